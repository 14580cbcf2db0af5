"""After any sign-in (a local password or the school's provider), bind the computer when
the person came from the "sign in to the internet" page."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

from esafety.network import portal


@receiver(user_logged_in, dispatch_uid="esafety.network.bind_after_sign_in")
def bind_after_sign_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is None or not hasattr(request, "session"):
        return
    portal.complete_sign_in(request, user)

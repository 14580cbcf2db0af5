"""Tell a person, on their next page, that someone else signed in to the internet on the
computer they had signed in on (the later sign-in wins)."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse

from esafety.network import portal
from esafety.network.models import ClientBinding

REPLACED_MESSAGE = ("Someone else signed in to the internet on this computer, so you are no "
                    "longer signed in to the internet here.")


class InternetSignInNoticeMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            binding_id = session.get(portal.BINDING)
            if binding_id is not None:
                self._tell(request, binding_id)
        return self.get_response(request)

    def _tell(self, request: HttpRequest, binding_id: object) -> None:
        if not isinstance(binding_id, int):
            request.session.pop(portal.BINDING, None)
            return
        found = (ClientBinding.objects.filter(pk=binding_id, person__pk=request.user.pk or 0)
                 .values_list("ended_reason", flat=True).first())
        if found is None or found:
            # Only the browser's own session changes here, never a record.
            request.session.pop(portal.BINDING, None)
        if found == ClientBinding.REPLACED:
            messages.warning(request, REPLACED_MESSAGE)

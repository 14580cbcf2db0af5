"""Emails about signing in. A failure is logged and said on the page, never hidden."""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.mail import send_mail

from esafety.directory.models import Person

log = logging.getLogger(__name__)


def send_sign_in_code(*, person: Person, code: str, minutes: int) -> bool:
    """Email the one-time code that links a school account by email. False if it failed."""
    if not person.email:
        return False
    try:
        send_mail(
            subject="Your code to finish signing in",
            message=(f"Hello {person.first_name or person.display_name},\n\n"
                     f"Someone is signing in to esafety with a school account that gives this "
                     f"email address. If it is you, type this code on the sign-in page:\n\n"
                     f"    {code}\n\n"
                     f"It works for {minutes} minutes. If it was not you, do not share the code "
                     f"and tell your school's IT manager.\n"),
            from_email=settings.DEFAULT_FROM_EMAIL,
            recipient_list=[person.email],
            fail_silently=False,
        )
    except Exception:  # any mail failure: the page says so and the IT manager can link them
        log.exception("could not send the sign-in code to person %s", person.pk)
        return False
    return True

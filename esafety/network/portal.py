"""The captive portal's session marker: set when a person chooses how to sign in on the
"sign in to the internet" page, acted on once the sign-in completes."""

from __future__ import annotations

import logging
import time
from typing import Any
from urllib.parse import urlsplit

from django.http import HttpRequest

from esafety.directory.models import Person, School, UnknownSchool
from esafety.errors import EsafetyError
from esafety.identity import selectors as identity_selectors
from esafety.network import actions
from esafety.web.signin import client_address

log = logging.getLogger(__name__)

MARKER = "network_signin"
# The binding this browser's person made: their next page says if someone replaced it.
BINDING = "network_binding"
RESULT = "network_signin_result"
MAX_NEXT = 2000
# How long a choice made on the portal waits for the sign-in to complete (a provider's
# sign-in, a forgotten password found).
MARKER_MINUTES = 15


def clean_next(value: Any) -> str:
    """The address the person was going to, if it is an ordinary web address; else ""."""
    if not isinstance(value, str) or len(value) > MAX_NEXT:
        return ""
    value = value.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        return ""
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return ""
    if any(c in value for c in "\r\n\x00"):
        return ""
    return value


def start(request: HttpRequest, school: School, next_url: str) -> None:
    request.session[MARKER] = {"school": school.slug, "next": clean_next(next_url),
                               "at": time.time()}


def bind(request: HttpRequest, person: Person, school: School) -> dict[str, str]:
    """Bind this computer's address to `person`; the outcome for the result page."""
    try:
        binding = actions.binding_start(actor=person, school=school,
                                        address=client_address(request))
    except EsafetyError as exc:
        return {"ok": "", "why": str(exc)}
    request.session[BINDING] = binding.pk
    return {"ok": "1", "why": ""}


def complete_sign_in(request: HttpRequest, user: Any) -> None:
    marker = request.session.pop(MARKER, None)
    if not isinstance(marker, dict) or not isinstance(user, Person):
        return
    started = marker.get("at")
    if not isinstance(started, (int, float)) or time.time() - started > MARKER_MINUTES * 60:
        # Chosen on the portal long ago and abandoned: a later, ordinary sign-in in this
        # browser must not sign the computer in to the internet.
        return
    try:
        school = School.objects.by_slug(str(marker.get("school", "")))
    except UnknownSchool:
        request.session[RESULT] = {"ok": "", "why": "that school is not known here"}
        return
    if identity_selectors.two_factor_required(user):
        # Their password alone is not enough here: the computer is bound from this
        # computer's page once they have given their code ("Use the internet as ...").
        request.session[RESULT] = {"ok": "", "why": ""}
        return
    request.session[RESULT] = bind(request, user, school)

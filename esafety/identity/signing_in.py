"""The end of a sign-in with the school's provider, once allauth has checked the answer.

The verified id_token claims become a person, or a plain page saying why not:

- a known account (issuer + subject) signs its person in;
- a first sign-in is matched by the school's rule (MIS id, username, or email with a code
  sent to that address), then linked, so next time the account alone is enough;
- nobody matched: the sign-in waits on the IT manager's list; never a new account;
- a leaver, an expired guest, a switched-off account or someone of another school is
  refused with a clear page, and nothing is linked.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

from django.conf import settings
from django.contrib.auth import login
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from esafety.directory.models import Person
from esafety.identity import actions, matching, notifications, pages
from esafety.identity.models import MATCH_EMAIL, ExternalIdentity, SchoolSignIn

BACKEND = "esafety.directory.backends.SchoolAccessBackend"
EMAIL_CONFIRMATION = "identity.email_confirmation"
CODE_MINUTES = 30
CODE_TRIES = 5


def refusal_reason(person: Person, sign_in: SchoolSignIn) -> str:
    if person.school_id != sign_in.school_id:
        return "other_school"
    return account_refusal(person)


def account_refusal(person: Person) -> str:
    """Why this account may not be used now (003 \u00a75.9), whichever way they sign in;
    "" when it may."""
    if person.has_left():
        return "left"
    if person.access_has_expired():
        return "expired"
    if not person.is_active:
        return "inactive"
    return ""


def finish(request, sign_in: SchoolSignIn, claims: dict, next_url: str = "") -> HttpResponse:
    try:
        subject = matching.subject_of(sign_in, claims)
    except matching.ClaimsRefused as refusal:
        if refusal.reason == "bad_token":
            return pages.token_refused(request, str(refusal))
        actions.sign_in_refused(school=sign_in.school, person=None, reason=str(refusal),
                                issuer=sign_in.expected_issuer, subject=str(claims.get("sub")))
        return pages.refused(request, refusal.reason)
    issuer = sign_in.expected_issuer
    identity = ExternalIdentity.objects.select_related("person").filter(
        issuer=issuer, subject=subject).first()
    how = ""
    if identity is not None:
        person = identity.person
    else:
        match = matching.find_person(sign_in, claims)
        if match.person is None:
            actions.unmatched_record(
                school=sign_in.school, issuer=issuer, subject=subject,
                claims={**claims, "_mis_id": matching.mis_id_of(sign_in, claims)},
                reason=match.why_not)
            return pages.unmatched(request, sign_in.school.name)
        person, how = match.person, match.how
    reason = refusal_reason(person, sign_in)
    if reason:
        actions.sign_in_refused(school=sign_in.school, person=person, reason=reason,
                                issuer=issuer, subject=subject)
        return pages.refused(request, reason)
    if identity is None:
        if how == MATCH_EMAIL:
            return _start_email_confirmation(request, sign_in, issuer, subject, person, claims,
                                             next_url)
        identity = actions.identity_link(actor=None, school=sign_in.school, issuer=issuer,
                                         subject=subject, person=person, how=how, claims=claims)
    return sign_in_person(request, identity, next_url)


def sign_in_person(request, identity: ExternalIdentity, next_url: str) -> HttpResponse:
    login(request, identity.person, backend=BACKEND)
    actions.identity_signed_in(identity=identity)
    return redirect(safe_next(request, next_url))


def safe_next(request, next_url: str | None) -> str:
    if next_url and url_has_allowed_host_and_scheme(
            next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return next_url
    return settings.LOGIN_REDIRECT_URL if "/" in settings.LOGIN_REDIRECT_URL else "/"


def _hash(code: str) -> str:
    return hmac.new(settings.SECRET_KEY.encode(), code.encode(), hashlib.sha256).hexdigest()


def _start_email_confirmation(request, sign_in: SchoolSignIn, issuer: str, subject: str,
                              person: Person, claims: dict, next_url: str) -> HttpResponse:
    """Email matched, which proves little: send a code to the address the school holds; the
    person types it here. Meanwhile the IT manager can link them from the list too."""
    actions.unmatched_record(school=sign_in.school, issuer=issuer, subject=subject,
                             claims=claims, reason=f"email matches {person.display_name}: "
                                                   "waiting for them to type the code sent there")
    code = f"{secrets.randbelow(10**6):06d}"
    sent = notifications.send_sign_in_code(person=person, code=code, minutes=CODE_MINUTES)
    request.session[EMAIL_CONFIRMATION] = {
        "school": sign_in.school_id, "issuer": issuer, "subject": subject,
        "person": person.pk, "code": _hash(code), "until": time.time() + CODE_MINUTES * 60,
        "tries": 0, "next": next_url, "name": str(claims.get("name") or "")[:200],
        "sent": sent,
    }
    return redirect("identity:confirm_email")


def confirm_email_code(request, code: str) -> tuple[HttpResponse | None, str]:
    """(the response after a right code, "") or (None, what was wrong)."""
    pending = request.session.get(EMAIL_CONFIRMATION)
    if not isinstance(pending, dict):
        return None, "There is no code waiting. Sign in with your school account again."
    if time.time() > pending["until"] or pending["tries"] >= CODE_TRIES:
        request.session.pop(EMAIL_CONFIRMATION, None)
        return None, ("That code has run out. Sign in with your school account again to get a "
                      "new one.")
    pending["tries"] += 1
    request.session[EMAIL_CONFIRMATION] = pending
    if not hmac.compare_digest(pending["code"], _hash(code.strip())):
        left = CODE_TRIES - pending["tries"]
        return None, f"That code is not right. You can try {left} more time{'s' if left != 1 else ''}."
    request.session.pop(EMAIL_CONFIRMATION, None)
    sign_in = SchoolSignIn.objects.select_related("school").get(school_id=pending["school"])
    person = Person.objects.get(pk=pending["person"])
    reason = refusal_reason(person, sign_in)
    if reason:
        return pages.refused(request, reason), ""
    identity = actions.identity_link(actor=None, school=sign_in.school, issuer=pending["issuer"],
                                     subject=pending["subject"], person=person,
                                     how="email_confirmed", claims={"name": pending["name"]})
    return sign_in_person(request, identity, pending["next"]), ""

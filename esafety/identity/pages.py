"""The plain pages a sign-in can end on: refused, not answering, not matched, bad answer.

Each says what happened in plain words and what to do, and (like every refusal page) how
anyone can still tell someone about harm.
"""

from __future__ import annotations

import logging

from django.http import HttpResponse
from django.shortcuts import render

log = logging.getLogger(__name__)

REFUSALS = {
    "left": ("Your school account has ended",
             "Your school has recorded that you have left, so this account cannot be used any "
             "more."),
    "expired": ("Your guest access has ended",
                "The time your school gave you to use its systems is over."),
    "inactive": ("This account is switched off",
                 "Your school has switched this account off."),
    "other_school": ("This is not your school's sign-in",
                     "You are signed up with another school. Use your own school's sign-in "
                     "page."),
    "wrong_organisation": ("This account is not from your school",
                           "The account you chose belongs to another organisation. Choose "
                           "your school account and try again."),
}


def refused(request, reason: str, *, status: int = 403) -> HttpResponse:
    title, explanation = REFUSALS.get(reason, REFUSALS["inactive"])
    return render(request, "identity/refused.html", {
        "title": title, "explanation": explanation, "reason": reason}, status=status)


def provider_down(request, app, error: Exception) -> HttpResponse:
    log.warning("identity provider %s did not answer: %s",
                getattr(app, "provider_id", "?"), error)
    return render(request, "identity/provider_down.html", {
        "provider": getattr(app, "name", "") or "your school's sign-in"}, status=503)


def token_refused(request, detail: str) -> HttpResponse:
    log.warning("identity provider's answer refused: %s", detail)
    return render(request, "identity/token_refused.html", {}, status=400)


def unmatched(request, school_name: str) -> HttpResponse:
    return render(request, "identity/unmatched.html", {"school_name": school_name}, status=403)

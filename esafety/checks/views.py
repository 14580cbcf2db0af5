"""The "Check a message" page: paste or upload, see the verdict with its explanations."""

import logging
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.checks import actions, concerns, selectors
from esafety.checks.access import get_approved_recipient_for_user, require_checks_staff
from esafety.checks.directory_view import build_directory
from esafety.checks.forms import ApprovedRecipientForm, CheckForm, CorrespondentForm
from esafety.directory import permissions, roles
from esafety.directory.models import Person
from esafety.engine.messages.checker import Verdict, check_parsed
from esafety.engine.messages.message import (
    EmptyMessage,
    ParsedMessage,
    message_from_text,
    parse_message,
)
from esafety.errors import EsafetyError
from esafety.web.requests import SignedInRequest

log = logging.getLogger(__name__)

# A pasted text that starts with mail headers is checked as a whole email.
_HEADERS = re.compile(r"^\s*(from|to|cc|subject|date|received|return-path|mime-version|"
                      r"message-id|delivered-to|reply-to|x-[\w-]+):", re.I)

BADGES = {"allow": "ok", "advise": "ok", "warn": "warn", "hold": "bad", "block": "bad"}


def _require_checker(user):
    # Same 404 for anyone who may not use the checker: the page is not theirs to find.
    # Who may: permissions.TABLE["check_messages"] (staff, guests and pupils).
    if not permissions.allowed(user, "check_messages"):
        raise Http404("no such page")


@login_required
def check(request: SignedInRequest):
    _require_checker(request.user)
    verdict = concern = None
    form = CheckForm(request.POST, request.FILES) if request.method == "POST" else CheckForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        role = request.user.role if data["direction"] == "sending" else "inbound"
        directory = build_directory(request.user.school) if request.user.school else None
        try:
            if data["raw"] is not None:
                msg = parse_message(data["raw"])
            elif _HEADERS.match(data["message"]):
                msg = parse_message(data["message"].encode("utf-8"))
            else:
                msg = message_from_text(
                    data["message"], subject=data["subject"],
                    audience=data["audience"] if role != "inbound" else "")
            verdict = check_parsed(msg, directory=directory, sender_role=role)
        except EmptyMessage:
            form.add_error(None, "That message is empty.")
        except Exception:  # noqa: BLE001 - a form never fails with a 500
            log.exception("the checker failed on a submitted message")
            form.add_error(None, "Sorry, that message could not be checked. It has been "
                                 "logged for the IT team.")
        if verdict is not None and concerns.concern_findings(verdict):
            concern = _tell_designated_person(request.user, verdict, msg,
                                              sending=data["direction"] == "sending")
    return render(request, "checks/check.html", {
        "form": form, "verdict": verdict, "concern": concern,
        "is_pupil": request.user.role == roles.PUPIL,
        "badge": BADGES.get(verdict.verdict) if verdict else None,
        "can_approve": permissions.allowed(request.user, "approve_pupil_recipients"),
    })


def _tell_designated_person(user: Person, verdict: Verdict, msg: ParsedMessage, *, sending: bool) -> concerns.ConcernOutcome:
    """A pupil's message, or one received, that shows someone may be at risk: record it
    for the safeguarding lead as a concern (urgent ones are emailed at once)."""
    if user.school is None:
        return concerns.ConcernOutcome(not_recorded="you are not a member of a school here")
    try:
        return concerns.message_check_concern_record(
            actor=user, school=user.school, verdict=verdict, msg=msg,
            checked_by=f"by {user.display_name} on the Check a message page, as a message "
                       + ("they were about to send" if sending else "they received"),
            writer=user if sending and user.role == roles.PUPIL else None)
    except EsafetyError as exc:
        return concerns.ConcernOutcome(not_recorded=exc.message)
    except Exception:  # noqa: BLE001 - the page still answers; the failure is logged
        log.exception("a concern from a message check could not be recorded")
        return concerns.ConcernOutcome(not_recorded="it could not be recorded (the error "
                                                    "has been logged for the IT team)")


@login_required
def approved(request: SignedInRequest):
    """004 §3.2.3: who each pupil may email, and the outside senders the school knows."""
    school = require_checks_staff(request.user)
    form = ApprovedRecipientForm(school=school, prefix="approve")
    known_form = CorrespondentForm(prefix="known")
    if request.method == "POST":
        if "approve-address" in request.POST:
            form = ApprovedRecipientForm(request.POST, school=school, prefix="approve")
            if form.is_valid():
                try:
                    done = actions.approved_recipient_add(
                        actor=request.user, pupil=form.cleaned_data["pupil"],
                        address=form.cleaned_data["address"], note=form.cleaned_data["note"])
                except EsafetyError as exc:
                    form.add_error("address", exc.message)
                else:
                    messages.success(request, f"{done.pupil.display_name} may now email "
                                              f"{done.address}.")
                    return redirect("checks:approved")
        else:
            known_form = CorrespondentForm(request.POST, prefix="known")
            if known_form.is_valid():
                try:
                    known = actions.correspondent_add(
                        actor=request.user, school=school,
                        address=known_form.cleaned_data["address"],
                        note=known_form.cleaned_data["note"])
                except EsafetyError as exc:
                    known_form.add_error("address", exc.message)
                else:
                    messages.success(request, f"{known.address} is now a known correspondent.")
                    return redirect("checks:approved")
    return render(request, "checks/approved.html", {
        "form": form, "known_form": known_form,
        "approvals": selectors.approvals_for(school),
        "correspondents": selectors.correspondents_for(school),
    })


@login_required
@require_POST
def approved_remove(request: SignedInRequest, pk):
    approval = get_approved_recipient_for_user(request.user, pk)
    actions.approved_recipient_remove(actor=request.user, approved=approval)
    messages.success(request, f"{approval.pupil.display_name} can no longer email "
                              f"{approval.address}.")
    return redirect("checks:approved")

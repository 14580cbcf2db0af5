"""The "Check a message" page: paste or upload, see the verdict with its explanations."""

import logging
import re

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.checks import actions
from esafety.checks.access import get_approved_recipient_for_user, require_checks_staff
from esafety.checks.directory_view import build_directory
from esafety.checks.forms import ApprovedRecipientForm, CheckForm, CorrespondentForm
from esafety.checks.models import ApprovedRecipient, Correspondent
from esafety.directory import roles
from esafety.engine.messages.checker import check_message, check_text
from esafety.engine.messages.message import EmptyMessage
from esafety.errors import EsafetyError

log = logging.getLogger(__name__)

# A pasted text that starts with mail headers is checked as a whole email.
_HEADERS = re.compile(r"^\s*(from|to|cc|subject|date|received|return-path|mime-version|"
                      r"message-id|delivered-to|reply-to|x-[\w-]+):", re.I)

BADGES = {"allow": "ok", "advise": "ok", "warn": "warn", "hold": "bad", "block": "bad"}


def _require_staff(user):
    # Same 404 for anyone who may not use the checker: the page is not theirs to find.
    if not (user.is_superuser or user.role in roles.STAFF_ROLES | roles.GUEST_ROLES):
        raise Http404("no such page")


@login_required
def check(request):
    _require_staff(request.user)
    verdict = None
    form = CheckForm(request.POST, request.FILES) if request.method == "POST" else CheckForm()
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        role = request.user.role if data["direction"] == "sending" else "inbound"
        directory = build_directory(request.user.school) if request.user.school else None
        try:
            if data["raw"] is not None:
                verdict = check_message(data["raw"], directory=directory, sender_role=role)
            elif _HEADERS.match(data["message"]):
                verdict = check_message(data["message"].encode("utf-8"), directory=directory,
                                        sender_role=role)
            else:
                verdict = check_text(data["message"], subject=data["subject"],
                                     audience=data["audience"] if role != "inbound" else "",
                                     directory=directory, sender_role=role)
        except EmptyMessage:
            form.add_error(None, "That message is empty.")
        except Exception:  # noqa: BLE001 - a form never fails with a 500
            log.exception("the checker failed on a submitted message")
            form.add_error(None, "Sorry, that message could not be checked. It has been "
                                 "logged for the IT team.")
    return render(request, "checks/check.html", {
        "form": form, "verdict": verdict,
        "badge": BADGES.get(verdict.verdict) if verdict else None,
        "can_approve": request.user.is_superuser or request.user.role in roles.STAFF_ROLES,
    })


@login_required
def approved(request):
    """004 §3.2.3: who each pupil may email, and the outside senders the school knows."""
    require_checks_staff(request.user)
    school = request.user.school
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
                    done = actions.correspondent_add(
                        actor=request.user, school=school,
                        address=known_form.cleaned_data["address"],
                        note=known_form.cleaned_data["note"])
                except EsafetyError as exc:
                    known_form.add_error("address", exc.message)
                else:
                    messages.success(request, f"{done.address} is now a known correspondent.")
                    return redirect("checks:approved")
    return render(request, "checks/approved.html", {
        "form": form, "known_form": known_form,
        "approvals": ApprovedRecipient.objects.filter(school=school)
        .select_related("pupil", "added_by").order_by("pupil__last_name", "address"),
        "correspondents": Correspondent.objects.filter(school=school),
    })


@login_required
@require_POST
def approved_remove(request, pk):
    approval = get_approved_recipient_for_user(request.user, pk)
    actions.approved_recipient_remove(actor=request.user, approved=approval)
    messages.success(request, f"{approval.pupil.display_name} can no longer email "
                              f"{approval.address}.")
    return redirect("checks:approved")

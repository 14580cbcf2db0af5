"""Held mail: the list, one message (every view audited), release / return / delete, the
authorisation (by the headteacher or their nominee) to read private mail, and the filter's
settings."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esafety.directory import permissions
from esafety.errors import EsafetyError
from esafety.mailfilter import actions, publishing, selectors
from esafety.mailfilter.access import (
    get_group_approval_for_user,
    get_held_for_user,
    get_held_to_authorise,
    may_authorise_private_mail,
    require_approver,
    require_mail_manager,
    require_reviewer,
)
from esafety.mailfilter.forms import AuthoriseForm, DecisionForm, GroupApprovalForm, SettingsForm
from esafety.mailfilter.models import HeldMessage
from esafety.mailfilter.publishing import mail_settings
from esafety.web.requests import SignedInRequest

DECISIONS = {"return": actions.held_message_return, "delete": actions.held_message_delete}
DONE = {"return": "Returned to its sender with the reason.",
        "delete": "Deleted."}


@login_required
def held_list(request: SignedInRequest):
    school = require_reviewer(request.user)
    show_all = request.GET.get("show") == "all"
    rows = list(selectors.held_for(school, waiting_only=not show_all))
    actions.held_mail_list_view(actor=request.user, school=school, count=len(rows))
    filtered = list(selectors.filtered_for(school))
    return render(request, "mailfilter/held_list.html", {
        "rows": selectors.with_deliveries(rows), "show_all": show_all, "filtered": filtered})


@login_required
def held_detail(request: SignedInRequest, pk):
    held = get_held_for_user(request.user, pk)
    content = actions.held_message_view(actor=request.user, held=held)
    return render(request, "mailfilter/held_detail.html", {
        "held": held, "content": content, "shown": content is not None, "form": DecisionForm(),
        "authorise_form": AuthoriseForm(), "delivery": selectors.deliveries_for(held),
        "may_authorise": may_authorise_private_mail(request.user, held.school)})


@login_required
@require_POST
def held_decide(request: SignedInRequest, pk, decision):
    held = get_held_for_user(request.user, pk)
    if decision not in DECISIONS and decision != "release":
        raise Http404("no such decision")
    form = DecisionForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    if decision == "release":
        return _release(request, held, note)
    try:
        DECISIONS[decision](actor=request.user, held=held, note=note)
    except EsafetyError as exc:
        messages.error(request, exc.message)
        return redirect("mailfilter:held_detail", pk=held.pk)
    messages.success(request, DONE[decision])
    return redirect("mailfilter:held")


def _release(request: SignedInRequest, held: HeldMessage, note: str):
    try:
        release = actions.held_message_release(actor=request.user, held=held, note=note)
    except EsafetyError as exc:
        messages.error(request, exc.message)
        return redirect("mailfilter:held_detail", pk=held.pk)
    # Said plainly, and on the message's own page while anyone is still to get it.
    if not release.finished:
        messages.error(request, release.summary())
        return redirect("mailfilter:held_detail", pk=held.pk)
    (messages.warning if release.refused else messages.success)(request, release.summary())
    return redirect("mailfilter:held")


@login_required
def held_authorise(request: SignedInRequest, pk):
    """The headteacher or their nominee records why a private message may be read (003
    §2.6, §2.7). Its own page, since the nominee may not be one of the reviewers."""
    held = get_held_to_authorise(request.user, pk)
    reviewer = permissions.allowed(request.user, "review_held_mail", held.school)
    if request.method != "POST":
        actions.held_message_authorise_page_view(actor=request.user, held=held)
        return render(request, "mailfilter/held_authorise.html", {
            "held": held, "form": AuthoriseForm(), "reviewer": reviewer})
    form = AuthoriseForm(request.POST)
    if form.is_valid():
        try:
            actions.held_message_authorise(actor=request.user, held=held,
                                           reasons=form.cleaned_data["reasons"])
        except EsafetyError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Recorded. Reviewers can now read this message.")
    else:
        messages.error(request, "Give the reasons (up to 2,000 characters).")
    if reviewer:
        return redirect("mailfilter:held_detail", pk=held.pk)
    return redirect("mailfilter:held_authorise", pk=held.pk)


@login_required
def settings_page(request: SignedInRequest):
    school = require_mail_manager(request.user)
    config = mail_settings(school)
    form = SettingsForm(request.POST or None, instance=config)
    if request.method == "POST" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in form.Meta.fields}
        try:
            actions.mail_filter_settings_change(actor=request.user, school=school, **changes)
        except EsafetyError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Saved. The mail filter uses the new settings at once.")
            return redirect("mailfilter:settings")
    # What the filter itself reads: a stopped worker leaves it without leavers and new pupils.
    age = publishing.snapshot_age(school)
    return render(request, "mailfilter/settings.html", {
        "form": form, "config": config, "snapshot_missing": age is None,
        "snapshot_stale": age is not None and age > publishing.STALE_AFTER,
        "snapshot_at": None if age is None else timezone.now() - age})


@login_required
def group_approvals(request: SignedInRequest):
    """004 §3.2.3: addresses a whole year group or form may email."""
    school = require_approver(request.user)
    form = GroupApprovalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            done = actions.group_approval_add(actor=request.user, school=school,
                                              address=data["address"],
                                              year_group=data["year_group"], form=data["form"],
                                              note=data["note"])
        except EsafetyError as exc:
            form.add_error("address", exc.message)
        else:
            messages.success(request, f"Pupils in {done.group_label} may now email "
                                      f"{done.address}.")
            return redirect("mailfilter:group_approvals")
    return render(request, "mailfilter/group_approvals.html", {
        "form": form, "approvals": selectors.group_approvals_for(school)})


@login_required
@require_POST
def group_approval_remove(request: SignedInRequest, pk):
    approval = get_group_approval_for_user(request.user, pk)
    actions.group_approval_remove(actor=request.user, approval=approval)
    messages.success(request, f"Pupils in {approval.group_label} can no longer email "
                              f"{approval.address}.")
    return redirect("mailfilter:group_approvals")

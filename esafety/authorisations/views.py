"""The access authorisation pages: the register, asking, deciding, recording a use, ending
one early, the school's nominee, and the register as a spreadsheet. Every look is recorded."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.authorisations import access, actions, selectors
from esafety.authorisations.forms import DecideForm, EndForm, NomineeForm, RequestForm, UseForm
from esafety.directory import permissions
from esafety.errors import EsafetyError
from esafety.mailfilter import selectors as held_mail
from esafety.web import csvsafe
from esafety.web.requests import SignedInRequest


def _register_or_404(request: SignedInRequest) -> None:
    if not access.may_use_register(request.user):
        raise Http404("not available")


@login_required
def register(request: SignedInRequest) -> HttpResponse:
    _register_or_404(request)
    school = request.user.school
    assert school is not None  # may_use_register says so
    found = list(selectors.visible_to(request.user, school))
    actions.access_list_view(actor=request.user, school=school, shown=len(found))
    # Private held mail waits for the same people's say-so (003 §2.6, §2.7), so it is listed
    # with the requests waiting for them.
    private_count, private_mail = held_mail.private_waiting_for(request.user, school)
    return render(request, "authorisations/register.html", {
        "authorisations": found,
        "waiting": list(selectors.waiting_for(request.user, school)),
        "private_mail": private_mail, "private_count": private_count,
        "may_request": permissions.allowed(request.user, "request_access", school),
        "may_choose_nominee": permissions.allowed(request.user, "approve_access", school),
        "nominee": selectors.nominee(school),
    })


@login_required
def new_request(request: SignedInRequest) -> HttpResponse:
    school = request.user.school
    if school is None:
        raise Http404("not available")
    permissions.require(request.user, "request_access", school, hide=True)
    form = RequestForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            auth = actions.access_request(
                actor=request.user, school=school, kind=data["kind"], subject=data["subject"],
                reader=data["reader"], reason=data["reason"], days=data["days"])
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Your request is with the headteacher or their nominee.")
            return redirect("authorisations:detail", pk=auth.pk)
    return render(request, "authorisations/request.html", {"form": form})


@login_required
def detail(request: SignedInRequest, pk: int) -> HttpResponse:
    auth = access.authorisation_for(request.user, pk)
    actions.access_view(actor=request.user, auth=auth)
    school = auth.school
    me = request.user
    may_decide = (auth.is_open and selectors.is_decider(me, school)
                  and me.pk not in (auth.requested_by_id, auth.subject_id, auth.reader_id))
    return render(request, "authorisations/detail.html", {
        "auth": auth,
        "uses": list(auth.uses.select_related("used_by")),
        "in_force": auth.in_force(),
        "may_decide": may_decide,
        "may_use": auth.in_force() and me.pk == auth.reader_id,
        "may_end": auth.in_force() and me.pk != auth.subject_id and (
            me.pk == auth.reader_id or selectors.is_decider(me, school)),
        "may_withdraw": auth.is_open and me.pk == auth.requested_by_id,
        "decide_form": DecideForm(), "use_form": UseForm(), "end_form": EndForm(),
    })


def _done(request: SignedInRequest, pk: int, run, ok: str) -> HttpResponse:
    try:
        run()
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, ok)
    return redirect("authorisations:detail", pk=pk)


@login_required
@require_POST
def decide(request: SignedInRequest, pk: int) -> HttpResponse:
    auth = access.authorisation_for(request.user, pk)
    form = DecideForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose approve or refuse.")
        return redirect("authorisations:detail", pk=pk)
    data = form.cleaned_data
    approve = data["decision"] == "approve"
    return _done(request, pk, lambda: actions.access_decide(
        actor=request.user, auth=auth, approve=approve, note=data["note"],
        grounds_confirmed=data["grounds"]),
        "Approved: it ends on its own when its time runs out." if approve else "Refused.")


@login_required
@require_POST
def record_use(request: SignedInRequest, pk: int) -> HttpResponse:
    auth = access.authorisation_for(request.user, pk)
    form = UseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say what you did with the access.")
        return redirect("authorisations:detail", pk=pk)
    return _done(request, pk, lambda: actions.access_use_record(
        actor=request.user, auth=auth, what_was_done=form.cleaned_data["what_was_done"]),
        "Recorded.")


@login_required
@require_POST
def end(request: SignedInRequest, pk: int) -> HttpResponse:
    auth = access.authorisation_for(request.user, pk)
    form = EndForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Say why the access is ended early.")
        return redirect("authorisations:detail", pk=pk)
    return _done(request, pk, lambda: actions.access_revoke(
        actor=request.user, auth=auth, reason=form.cleaned_data["reason"]), "Ended.")


@login_required
@require_POST
def withdraw(request: SignedInRequest, pk: int) -> HttpResponse:
    auth = access.authorisation_for(request.user, pk)
    return _done(request, pk, lambda: actions.access_withdraw(actor=request.user, auth=auth),
                 "Withdrawn.")


@login_required
def nominee(request: SignedInRequest) -> HttpResponse:
    school = request.user.school
    if school is None:
        raise Http404("not available")
    permissions.require(request.user, "approve_access", school, hide=True)
    current = selectors.nominee(school)
    form = NomineeForm(request.POST if request.method == "POST" else None, school=school,
                       initial={"nominee": current})
    if request.method == "POST" and form.is_valid():
        try:
            actions.nominee_set(actor=request.user, school=school,
                                nominee=form.cleaned_data["nominee"])
        except EsafetyError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, "Saved.")
            return redirect("authorisations:register")
    return render(request, "authorisations/nominee.html", {"form": form, "current": current})


@login_required
def export(request: SignedInRequest) -> HttpResponse:
    _register_or_404(request)
    school = request.user.school
    assert school is not None
    found = list(selectors.visible_to(request.user, school))
    response = csvsafe.download(
        "access-authorisations.csv",
        ["What", "Whose", "Reader", "Why", "Days", "Asked by", "Asked on", "Status",
         "Decided by", "Decided on", "Ends", "Uses"],
        ([auth.get_kind_display(), auth.subject.display_name, auth.reader.display_name,
          auth.reason, auth.days, auth.requested_by.display_name,
          auth.requested_at.date().isoformat(), auth.plain_status,
          auth.decided_by.display_name if auth.decided_by else "",
          auth.decided_at.date().isoformat() if auth.decided_at else "",
          auth.expires_at.isoformat(timespec="minutes") if auth.expires_at else "",
          auth.uses.count()] for auth in found))
    actions.access_export(actor=request.user, school=school, rows=len(found))
    return response

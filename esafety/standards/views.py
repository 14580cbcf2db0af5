"""The DfE standards pages: the status, the roles, the decision register and its history,
the check log, the reviews and actions, and each as a spreadsheet. Thin: forms, actions."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from esafety.directory import permissions
from esafety.directory.models import School
from esafety.errors import EsafetyError
from esafety.standards import actions, selectors
from esafety.standards.forms import (
    ActionForm,
    CheckForm,
    DoneForm,
    ReasonForm,
    ReviewForm,
    RoleForm,
)
from esafety.standards.models import Check, Review, ReviewAction
from esafety.web import csvsafe
from esafety.web.requests import SignedInRequest


def _school(request: SignedInRequest, capability: str = "view_standards") -> School:
    school = request.user.school
    if school is None:
        raise Http404("not available")
    permissions.require(request.user, capability, school, hide=True)
    return school


def _may_manage(request: SignedInRequest, school: School) -> bool:
    return permissions.allowed(request.user, "manage_standards", school)


@login_required
def status(request: SignedInRequest) -> HttpResponse:
    school = _school(request)
    return render(request, "standards/status.html", {"standards": selectors.status(school)})


@login_required
def roles_page(request: SignedInRequest) -> HttpResponse:
    school = _school(request)
    form = RoleForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST":
        _school(request, "manage_standards")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.role_name(actor=request.user, school=school, role=data["role"],
                                  person=data["person"], provider_name=data["provider_name"],
                                  provider_contact=data["provider_contact"])
            except EsafetyError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Saved.")
                return redirect("standards:roles")
    return render(request, "standards/roles.html", {
        "roles": selectors.current_roles(school), "history": selectors.role_history(school),
        "form": form, "may_manage": _may_manage(request, school)})


@login_required
def register_page(request: SignedInRequest) -> HttpResponse:
    school = _school(request)
    form = ReasonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _school(request, "manage_standards")
        if not form.is_valid():
            messages.error(request, "Write the reason before saving.")
        else:
            data = form.cleaned_data
            try:
                actions.reason_record(actor=request.user, school=school, group=data["group"],
                                      category=data["category"], reason=data["reason"])
            except EsafetyError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, "Reason saved.")
        return redirect("standards:register")
    rows = selectors.register(school)
    return render(request, "standards/register.html", {
        "rows": rows, "needing": sum(1 for r in rows if r["needs_reason"]),
        "may_manage": _may_manage(request, school)})


@login_required
def register_history(request: SignedInRequest) -> HttpResponse:
    school = _school(request)
    return render(request, "standards/register_history.html",
                  {"rows": selectors.decision_history(school)[:500]})


@login_required
def checks_page(request: SignedInRequest) -> HttpResponse:
    school = _school(request)
    form = CheckForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        _school(request, "manage_standards")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.check_record(actor=request.user, school=school, kind=data["kind"],
                                     at=data["at"], what_was_tested=data["what_was_tested"],
                                     passed=data["passed"] == "yes", result=data["result"],
                                     action_taken=data["action_taken"])
            except EsafetyError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Check recorded.")
                return redirect("standards:checks")
    return render(request, "standards/checks.html", {
        "checks": selectors.checks(school)[:200], "form": form,
        "may_manage": _may_manage(request, school)})


@login_required
@require_POST
def run_check(request: SignedInRequest) -> HttpResponse:
    school = _school(request, "manage_standards")
    check = actions.check_run_automatic(actor=request.user, school=school)
    messages.success(request, f"Checked: {check.result}")
    return redirect("standards:check", pk=check.pk)


@login_required
def check_detail(request: SignedInRequest, pk: int) -> HttpResponse:
    school = _school(request)
    check = Check.objects.filter(school=school, pk=pk).select_related("by").first()
    if check is None:
        raise Http404("not found")
    return render(request, "standards/check.html", {"check": check})


@login_required
def reviews_page(request: SignedInRequest) -> HttpResponse:
    school = _school(request)
    form = ReviewForm(request.POST if request.method == "POST" else None, school=school)
    if request.method == "POST":
        _school(request, "manage_standards")
        if form.is_valid():
            data = form.cleaned_data
            try:
                actions.review_record(actor=request.user, school=school, **data)
            except EsafetyError as exc:
                form.add_error(None, exc.message)
            else:
                messages.success(request, "Review recorded: add its actions below.")
                return redirect("standards:reviews")
    return render(request, "standards/reviews.html", {
        "reviews": selectors.reviews(school), "form": form,
        "action_form": ActionForm(school=school), "done_form": DoneForm(),
        "may_manage": _may_manage(request, school)})


@login_required
@require_POST
def add_action(request: SignedInRequest, pk: int) -> HttpResponse:
    school = _school(request, "manage_standards")
    review = Review.objects.filter(school=school, pk=pk).first()
    if review is None:
        raise Http404("not found")
    form = ActionForm(request.POST, school=school)
    if not form.is_valid():
        messages.error(request, "Give the action, its owner and when it is due.")
    else:
        try:
            actions.action_add(actor=request.user, review=review, **form.cleaned_data)
        except EsafetyError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, "Action added.")
    return redirect("standards:reviews")


@login_required
@require_POST
def action_done(request: SignedInRequest, pk: int) -> HttpResponse:
    school = _school(request, "manage_standards")
    action = ReviewAction.objects.filter(review__school=school, pk=pk).first()
    if action is None:
        raise Http404("not found")
    form = DoneForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        actions.action_done(actor=request.user, action=action, note=note)
    except EsafetyError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Marked done.")
    return redirect("standards:reviews")


def _export_rows(school: School, which: str) -> tuple[list[str], list[list]]:
    if which == "roles":
        return (["Role", "Held by", "Contact", "Recorded on", "Recorded by"],
                [[r.get_role_display(), r.holder, r.provider_contact,
                  r.recorded_at.date().isoformat(),
                  r.recorded_by.display_name if r.recorded_by else ""]
                 for r in selectors.role_history(school)])
    if which == "decisions":
        return (["Category", "Group", "What the rules say", "Why", "Reason given by",
                 "Reason given on"],
                [[r["category_label"], r["group_label"], r["answer_words"],
                  r["reason"].reason if r["reason"] else "",
                  r["reason"].recorded_by.display_name
                  if r["reason"] and r["reason"].recorded_by else "",
                  r["reason"].recorded_at.date().isoformat() if r["reason"] else ""]
                 for r in selectors.register(school)])
    if which == "checks":
        return (["When", "What", "Who", "What was tested", "Result", "Worked", "Action"],
                [[c.at.isoformat(timespec="minutes"), c.get_kind_display(), c.by_label,
                  c.what_was_tested, c.result, "yes" if c.passed else "no", c.action_taken]
                 for c in selectors.checks(school)])
    if which == "reviews":
        rows = []
        for review in selectors.reviews(school):
            for action in review.actions.all() or [None]:
                rows.append([review.held_on.isoformat(),
                             review.governor.display_name if review.governor else "",
                             review.findings,
                             action.what if action else "",
                             action.owner.display_name if action else "",
                             action.due_on.isoformat() if action else "",
                             action.done_on.isoformat() if action and action.done_on else ""])
        return (["Review held on", "Governor", "Findings", "Action", "Owner", "Due",
                 "Done"], rows)
    raise Http404("not found")


@login_required
def export(request: SignedInRequest, which: str) -> HttpResponse:
    school = _school(request)
    header, rows = _export_rows(school, which)
    response = csvsafe.download(f"dfe-standards-{which}.csv", header, rows)
    actions.export_record(actor=request.user, school=school, which=which, rows=len(rows))
    return response

"""Filtering screens: thin views over the actions and access helpers."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms import Form
from django.http import Http404, HttpRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esafety.directory import permissions, roles
from esafety.directory.models import Person
from esafety.engine.urls.normalise import parse_target
from esafety.errors import EsafetyError
from esafety.filtering import access, actions, forms, selectors
from esafety.filtering.models import GROUP_LABELS, GROUPS
from esafety.filtering.rules import (
    category_label,
    clause_for,
    school_labels,
)
from esafety.notices import selectors as notice_selectors
from esafety.policies.middleware import gate_exempt
from esafety.web.requests import SignedInRequest


def _is_approver(user: Person) -> bool:
    return user.school is not None and access.is_approver(user, user.school) \
        or user.is_superuser


def show_failure(request: HttpRequest, exc: EsafetyError) -> None:
    messages.error(request, str(exc)[:1].upper() + str(exc)[1:] + ".")


def show_form_errors(request: HttpRequest, form: Form) -> None:
    """A settings form that redirects back to its page: its errors go in one message."""
    messages.error(request, "; ".join(str(e) for errs in form.errors.values() for e in errs))


@login_required
def home(request: SignedInRequest):
    user = request.user
    permissions.require(user, "use_filtering", hide=True)
    return render(request, "filtering/home.html", selectors.home(
        user, approver=_is_approver(user), can_logs=access.may_view_logs(user),
        can_manage=access.may_manage(user), can_suspend=access.may_see_suspensions(user)))


# -- the block page ------------------------------------------------------------------------
@gate_exempt
def blocked(request: HttpRequest):
    """What was blocked, why (the clause of the school's policy), and what to do next.

    Reached by redirection from Squid, so the browser may not be signed in to esafety."""
    params = request.GET
    url = params.get("url", "")[:2000]
    target = parse_target(url) if url else None
    category_name = params.get("category", "")[:64]
    rule = params.get("rule", "")[:32]
    group = params.get("group", "")[:16]
    found = selectors.blocked_context(params.get("school", ""), category_name, group, rule)
    school, category, working = found.school, found.category, found.working
    user = request.user if request.user.is_authenticated else None
    if user is not None and school is not None and user.school_id != school.id:
        user = None
    is_staff = (user.is_staff_member if user else group == "staff")
    is_pupil = (user.is_pupil if user else group in roles.PUPIL_GROUPS)
    heading, clause = clause_for(rule, working, pupil=is_pupil)
    report_query = urlencode({"url": url, "category": category_name, "rule": rule})
    # The page that was blocked: asking for it unblocks that page and the pages below it;
    # the requester can shorten it, or give the site name for the whole site.
    page = ""
    if target is not None and not target.is_ip:
        page = (target.host + target.url[target.url.find("/"):]).rstrip("/")
    unblock_page_query = urlencode({"site": page}) if page else ""
    unblock_category_query = (urlencode({"category": category.pk})
                              if category is not None and not category.statutory else "")
    return render(request, "filtering/blocked.html", {
        "school": school, "url": url, "host": target.host if target else "",
        "category": category, "category_name": category_name, "rule": rule,
        "category_label": category.label if category else category_label(category_name),
        "group_label": GROUP_LABELS.get(group, ""), "heading": heading, "clause": clause,
        "is_staff": is_staff, "is_pupil": is_pupil, "working": working,
        "statutory": rule == "statutory" or (category is not None and category.statutory),
        # About the account, not the page: no unblock, no "wrong block" report.
        "access_ended": rule in ("access-ended", "unknown-person"),
        "report_query": report_query, "unblock_page_query": unblock_page_query,
        "unblock_category_query": unblock_category_query, "page": page,
    }, status=403)


@login_required
def report_wrong_block(request: SignedInRequest):
    user = request.user
    if user.school_id is None:
        raise Http404
    if request.method == "POST":
        form = forms.WrongBlockForm(request.POST)
        if form.is_valid():
            try:
                actions.wrong_block_report(actor=user, **form.cleaned_data)
            except EsafetyError as exc:
                show_failure(request, exc)
            else:
                messages.success(request, "Thank you. The IT team will look at this block.")
                return redirect("filtering:report_sent")
    else:
        form = forms.WrongBlockForm(initial={k: request.GET.get(k, "")
                                             for k in ("url", "category", "rule")})
    return render(request, "filtering/report_form.html", {"form": form})


@login_required
def report_sent(request: SignedInRequest):
    return render(request, "filtering/report_sent.html", {})


# -- unblock requests -------------------------------------------------------------------------
@login_required
def unblocks(request: SignedInRequest):
    user = request.user
    permissions.require(user, "use_filtering", hide=True)
    state = request.GET.get("state", "")
    return render(request, "filtering/unblocks.html", {
        "rows": selectors.unblocks_for(
            user, see_all=_is_approver(user) or access.may_view_logs(user), state=state),
        "state": state, "is_approver": _is_approver(user)})


@login_required
def unblock_new(request: SignedInRequest):
    user = request.user
    permissions.require(user, "request_unblock", hide=True)
    if request.method == "POST":
        form = forms.UnblockRequestForm(request.POST, school=user.school)
        if form.is_valid():
            data = form.cleaned_data
            try:
                made = actions.unblock_request(
                    actor=user, category=data["category"], site=data["site"],
                    groups=data["groups"], form=data["form"], reason=data["reason"],
                    starts_at=data["starts_at"], ends_at=data["ends_at"])
            except EsafetyError as exc:
                form.add_error(None, str(exc))
            else:
                messages.success(request, "Your request has been sent for a decision.")
                return redirect("filtering:unblock", made.pk)
    else:
        initial: dict[str, str | int] = {"site": request.GET.get("site", "")}
        if request.GET.get("category", "").isdigit():
            initial["category"] = int(request.GET["category"])
            initial["site"] = ""
        form = forms.UnblockRequestForm(initial=initial, school=user.school)
    return render(request, "filtering/unblock_new.html", {"form": form})


@login_required
def unblock_detail(request: SignedInRequest, pk):
    user = request.user
    permissions.require(user, "use_filtering", hide=True)
    item = access.get_unblock_for_user(user, pk)
    if not (item.requested_by_id == user.pk or _is_approver(user)
            or access.may_view_logs(user)):
        raise Http404
    history = selectors.unblock_history(item)
    return render(request, "filtering/unblock_detail.html", {
        "item": item, "state": item.state(), "history": history,
        "form": forms.DecisionNoteForm(), "is_approver": _is_approver(user),
        "is_mine": item.requested_by_id == user.pk})


@login_required
@require_POST
def unblock_decide(request: SignedInRequest, pk, decision):
    user = request.user
    permissions.require(user, "use_filtering", hide=True)
    item = access.get_unblock_for_user(user, pk)
    note = request.POST.get("note", "")
    try:
        if decision == "approve":
            whole_site = request.POST.get("whole_site") == "on"
            actions.unblock_approve(actor=user, request=item, note=note, whole_site=whole_site)
            messages.success(request, "Approved" + (f" for the whole of {item.site}"
                                                    if whole_site else "")
                             + ". The unblock starts and ends by itself.")
        elif decision == "refuse":
            actions.unblock_refuse(actor=user, request=item, note=note)
            messages.success(request, "Refused. The requester can see your note.")
        elif decision == "withdraw":
            actions.unblock_withdraw(actor=user, request=item)
            messages.success(request, "Request withdrawn.")
        elif decision == "end":
            actions.unblock_end_early(actor=user, request=item, note=note)
            messages.success(request, "The unblock has ended.")
        else:
            raise Http404
    except EsafetyError as exc:
        show_failure(request, exc)
    return redirect("filtering:unblock", item.pk)


# -- logs, alerts, reports ---------------------------------------------------------------------
def _days(value: str) -> int:
    try:
        return max(1, min(int(value), 365))
    except ValueError:
        return 7


@login_required
def attempts(request: SignedInRequest):
    user = request.user
    permissions.require(user, "view_filtering_logs", hide=True)
    school = access.own_school(user)
    days = _days(request.GET.get("days", "7"))
    category = request.GET.get("category", "")
    group = request.GET.get("group", "")
    person_id = request.GET.get("person", "")
    year = request.GET.get("year", "")
    year = year if year.isdigit() and 1 <= int(year) <= 14 else ""
    found = selectors.attempts(school, days=days, category=category, group=group,
                               person_id=person_id, year=year)
    # One person's log: their attempts this term and what they searched for (DfE: who,
    # when, what, the search term); seeing it is recorded.
    person = selectors.person_by_id(school, person_id)
    term: dict = {}
    if person is not None:
        since = selectors.term_start(timezone.localdate())
        term = {"since": since,
                **selectors.pupil_attempts(school, person.pk, since, limit=0),
                "searches": selectors.search_terms(school, person.pk, since)}
        actions.person_logs_viewed(actor=user, person=person, since=since)
    return render(request, "filtering/attempts.html", {
        **found, "days": days, "category": category, "group": group, "person_id": person_id,
        "year": year, "years": range(7, 14), "person": person, "term": term,
        "groups": GROUPS, "waiting": selectors.waiting_decision_files(school)})


@login_required
@require_POST
def attempts_load(request: SignedInRequest):
    """Load what the helper logged up to this moment (the ingest command does it on a
    schedule), then show the page the button was on."""
    user = request.user
    permissions.require(user, "view_filtering_logs", hide=True)
    school = access.own_school(user)
    try:
        loaded = actions.logs_load(actor=user, school=school)
    except EsafetyError as exc:
        show_failure(request, exc)
    else:
        rows, alerts = loaded.rows, loaded.alerts
        messages.success(request, f"Loaded {rows} logged request{'s' if rows != 1 else ''}"
                         + (f"; {len(alerts)} new alert{'s' if len(alerts) != 1 else ''}"
                            if alerts else "") + ".")
        if loaded.skipped:
            messages.warning(request, f"{loaded.skipped} line{'s' if loaded.skipped != 1 else ''}"
                             " of the filter's log could not be read and "
                             f"{'were' if loaded.skipped != 1 else 'was'} left out.")
    back = "filtering:alerts" if request.POST.get("back") == "alerts" else "filtering:attempts"
    return redirect(back)


@login_required
def alerts(request: SignedInRequest):
    user = request.user
    permissions.require(user, "view_filtering_logs", hide=True)
    school = access.own_school(user)
    return render(request, "filtering/alerts.html", {
        "rows": selectors.alerts_for(school), "labels": school_labels(school),
        "failed_emails": selectors.failed_emails(school)[:50],
        "waiting": selectors.waiting_decision_files(school)})


@login_required
@require_POST
def alert_acknowledge(request: SignedInRequest, pk):
    user = request.user
    permissions.require(user, "view_filtering_logs", hide=True)
    alert = access.get_alert_for_user(user, pk)
    try:
        actions.alert_acknowledge(actor=user, alert=alert)
        messages.success(request, "Alert acknowledged.")
    except EsafetyError as exc:
        show_failure(request, exc)
    return redirect("filtering:alerts")


@login_required
def reports(request: SignedInRequest):
    user = request.user
    if not (access.may_manage(user)
            or user.school is not None and access.may_resolve_reports(user, user.school)):
        raise Http404("not available")
    school = access.own_school(user)
    return render(request, "filtering/reports.html", {"rows": selectors.reports_for(school),
                                                      "labels": school_labels(school)})


@login_required
@require_POST
def report_resolve(request: SignedInRequest, pk):
    user = request.user
    report = access.get_report_for_user(user, pk)
    try:
        actions.wrong_block_resolve(actor=user, report=report,
                                    allow_site=request.POST.get("outcome") == "allow",
                                    note=request.POST.get("note", ""))
        messages.success(request, "Report resolved.")
    except EsafetyError as exc:
        if exc.code == "not-allowed":
            raise Http404 from None
        show_failure(request, exc)
    return redirect("filtering:reports")


# -- suspensions ----------------------------------------------------------------------------
def _require_suspension_role(user: Person) -> None:
    # The list names pupils and why they were sanctioned: only the roles the filtering
    # policy names (DSL, online safety lead, headteacher, IT manager) see it; others get 404.
    if not access.may_see_suspensions(user):
        raise Http404("not available")


@login_required
def suspensions(request: SignedInRequest):
    user = request.user
    _require_suspension_role(user)
    school = access.own_school(user)
    config = selectors.settings_for(school)
    form = forms.SuspensionForm(request.POST or None, max_days=config.max_suspension_days,
                                school=school, viewer=user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        pupil = data["pupil"]  # resolved by the person picker: a current pupil of the school
        try:
            actions.internet_suspend(actor=user, pupil=pupil, starts_at=data["starts_at"],
                                     ends_at=data["ends_at"], reason=data["reason"])
        except EsafetyError as exc:
            form.add_error(None, str(exc)[:1].upper() + str(exc)[1:] + ".")
        else:
            messages.success(request, f"Internet access of {pupil.display_name} suspended.")
            return redirect("filtering:suspensions")
    found = list(selectors.suspensions_for(school))
    # Who was told of each (parents, the pupil's leads: notices), for those who see the list.
    told = notice_selectors.about_each("suspension", [s.pk for s in found])
    rows = [(s, access.may_lift(user, s), told.get(s.pk, [])) for s in found]
    return render(request, "filtering/suspensions.html", {
        "rows": rows, "form": form, "now": timezone.now(), "lift_form": forms.LiftForm(),
        "max_days": config.max_suspension_days})


@login_required
@require_POST
def suspension_lift(request: SignedInRequest, pk):
    user = request.user
    _require_suspension_role(user)
    suspension = access.get_suspension_for_user(user, pk)
    form = forms.LiftForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        actions.internet_suspension_lift(actor=user, suspension=suspension, reason=reason)
        messages.success(request, "Suspension lifted.")
    except EsafetyError as exc:
        show_failure(request, exc)
    return redirect("filtering:suspensions")

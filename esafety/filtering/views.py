"""Filtering screens: thin views over the actions and access helpers."""

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esafety.directory import permissions, roles
from esafety.engine.urls.normalise import parse_target
from esafety.errors import EsafetyError
from esafety.filtering import access, actions, forms, selectors
from esafety.filtering.models import GROUP_LABELS, GROUPS, GroupRule
from esafety.filtering.rules import (
    category_label,
    clause_for,
    school_labels,
    staff_social_choices,
)
from esafety.policies.middleware import gate_exempt


def _is_approver(user) -> bool:
    return user.school_id is not None and access.is_approver(user, user.school) \
        or user.is_superuser


def _fail(request, exc: EsafetyError):
    messages.error(request, str(exc)[:1].upper() + str(exc)[1:] + ".")


@login_required
def home(request):
    user = request.user
    permissions.require(user, "use_filtering", hide=True)
    return render(request, "filtering/home.html", selectors.home(
        user, approver=_is_approver(user), can_logs=access.may_view_logs(user),
        can_manage=access.may_manage(user), can_suspend=access.may_see_suspensions(user)))


# -- the block page ------------------------------------------------------------------------
@gate_exempt
def blocked(request):
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
        "report_query": report_query, "unblock_page_query": unblock_page_query,
        "unblock_category_query": unblock_category_query, "page": page,
    }, status=403)


@login_required
def report_wrong_block(request):
    user = request.user
    if user.school_id is None:
        raise Http404
    if request.method == "POST":
        form = forms.WrongBlockForm(request.POST)
        if form.is_valid():
            try:
                actions.wrong_block_report(actor=user, **form.cleaned_data)
            except EsafetyError as exc:
                _fail(request, exc)
            else:
                messages.success(request, "Thank you. The IT team will look at this block.")
                return redirect("filtering:report_sent")
    else:
        form = forms.WrongBlockForm(initial={k: request.GET.get(k, "")
                                             for k in ("url", "category", "rule")})
    return render(request, "filtering/report_form.html", {"form": form})


@login_required
def report_sent(request):
    return render(request, "filtering/report_sent.html", {})


# -- unblock requests -------------------------------------------------------------------------
@login_required
def unblocks(request):
    user = request.user
    permissions.require(user, "use_filtering", hide=True)
    state = request.GET.get("state", "")
    return render(request, "filtering/unblocks.html", {
        "rows": selectors.unblocks_for(
            user, see_all=_is_approver(user) or access.may_view_logs(user), state=state),
        "state": state, "is_approver": _is_approver(user)})


@login_required
def unblock_new(request):
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
        initial = {"site": request.GET.get("site", "")}
        if request.GET.get("category", "").isdigit():
            initial["category"] = int(request.GET["category"])
            initial["site"] = ""
        form = forms.UnblockRequestForm(initial=initial, school=user.school)
    return render(request, "filtering/unblock_new.html", {"form": form})


@login_required
def unblock_detail(request, pk):
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
def unblock_decide(request, pk, decision):
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
        _fail(request, exc)
    return redirect("filtering:unblock", item.pk)


# -- logs, alerts, reports ---------------------------------------------------------------------
def _days(value: str) -> int:
    try:
        return max(1, min(int(value), 365))
    except ValueError:
        return 7


@login_required
def attempts(request):
    user = request.user
    permissions.require(user, "view_filtering_logs", hide=True)
    days = _days(request.GET.get("days", "7"))
    category = request.GET.get("category", "")
    group = request.GET.get("group", "")
    person_id = request.GET.get("person", "")
    found = selectors.attempts(user.school, days=days, category=category, group=group,
                               person_id=person_id)
    return render(request, "filtering/attempts.html", {
        **found, "days": days, "category": category, "group": group, "person_id": person_id,
        "groups": GROUPS, "waiting": selectors.waiting_decision_files(user.school)})


@login_required
@require_POST
def attempts_load(request):
    """Load what the helper logged up to this moment (the ingest command does it on a
    schedule), then show the page the button was on."""
    user = request.user
    permissions.require(user, "view_filtering_logs", hide=True)
    try:
        _files, rows, alerts = actions.attempts_load(actor=user, school=user.school)
    except EsafetyError as exc:
        _fail(request, exc)
    else:
        messages.success(request, f"Loaded {rows} blocked attempt{'s' if rows != 1 else ''}"
                         + (f"; {len(alerts)} new alert{'s' if len(alerts) != 1 else ''}"
                            if alerts else "") + ".")
    back = "filtering:alerts" if request.POST.get("back") == "alerts" else "filtering:attempts"
    return redirect(back)


@login_required
def alerts(request):
    user = request.user
    permissions.require(user, "view_filtering_logs", hide=True)
    return render(request, "filtering/alerts.html", {
        "rows": selectors.alerts_for(user.school), "labels": school_labels(user.school),
        "failed_emails": selectors.failed_emails(user.school)[:50],
        "waiting": selectors.waiting_decision_files(user.school)})


@login_required
@require_POST
def alert_acknowledge(request, pk):
    user = request.user
    permissions.require(user, "view_filtering_logs", hide=True)
    alert = access.get_alert_for_user(user, pk)
    try:
        actions.alert_acknowledge(actor=user, alert=alert)
        messages.success(request, "Alert acknowledged.")
    except EsafetyError as exc:
        _fail(request, exc)
    return redirect("filtering:alerts")


@login_required
def reports(request):
    user = request.user
    if not (access.may_manage(user)
            or user.school_id is not None and access.may_resolve_reports(user, user.school)):
        raise Http404("not available")
    return render(request, "filtering/reports.html", {"rows": selectors.reports_for(user.school),
                                                      "labels": school_labels(user.school)})


@login_required
@require_POST
def report_resolve(request, pk):
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
        _fail(request, exc)
    return redirect("filtering:reports")


# -- suspensions ----------------------------------------------------------------------------
def _require_suspension_role(user) -> None:
    # The list names pupils and why they were sanctioned: only the roles the filtering
    # policy names (DSL, online safety lead, headteacher, IT manager) see it; others get 404.
    if not access.may_see_suspensions(user):
        raise Http404("not available")


@login_required
def suspensions(request):
    user = request.user
    _require_suspension_role(user)
    config = selectors.settings_for(user.school)
    form = forms.SuspensionForm(request.POST or None, max_days=config.max_suspension_days,
                                school=user.school, viewer=user)
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
    rows = [(s, access.may_lift(user, s)) for s in selectors.suspensions_for(user.school)]
    return render(request, "filtering/suspensions.html", {
        "rows": rows, "form": form, "now": timezone.now(), "lift_form": forms.LiftForm(),
        "max_days": config.max_suspension_days})


@login_required
@require_POST
def suspension_lift(request, pk):
    user = request.user
    _require_suspension_role(user)
    suspension = access.get_suspension_for_user(user, pk)
    form = forms.LiftForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    try:
        actions.internet_suspension_lift(actor=user, suspension=suspension, reason=reason)
        messages.success(request, "Suspension lifted.")
    except EsafetyError as exc:
        _fail(request, exc)
    return redirect("filtering:suspensions")


# -- policy -----------------------------------------------------------------------------------
@login_required
def policy(request):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = user.school
    spans = selectors.working_spans(school)
    config = selectors.settings_for(school)
    return render(request, "filtering/policy.html", {
        "rows": selectors.policy_table(school), "groups": GROUPS,
        "actions": GroupRule.ACTIONS, "settings": selectors.group_settings(school),
        "working_form": forms.WorkingTimeForm(initial_spans=spans),
        "entries": selectors.school_entries(school),
        "entry_form": forms.SchoolEntryForm(), "decide_form": forms.DecideForm(),
        "config": config, "has_working_time": bool(spans),
        "settings_form": _settings_form(school),
        "staff_social_choices": staff_social_choices(),
        "imports": selectors.recent_imports(school)})


@login_required
@require_POST
def policy_staff_social(request):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    form = forms.StaffSocialNetworksForm(request.POST)
    if form.is_valid():
        try:
            actions.staff_social_networks_set(actor=user, school=user.school,
                                              choice=form.cleaned_data["choice"])
            label = dict(form.fields["choice"].choices)[form.cleaned_data["choice"]]
            messages.success(request, f"Staff and personal social networks: {label.lower()}.")
        except EsafetyError as exc:
            _fail(request, exc)
    else:
        messages.error(request, "Choose one of the settings shown; nothing was changed.")
    return redirect("filtering:policy")


def _settings_form(school, data=None):
    config = selectors.settings_for(school)
    return forms.SettingsForm(data, initial={
        "approver_roles": config.approver_roles or [roles.IT_MANAGER],
        "alert_threshold": config.alert_threshold,
        "alert_window_minutes": config.alert_window_minutes,
        "block_page_url": config.block_page_url,
        "max_suspension_days": config.max_suspension_days})


@login_required
@require_POST
def policy_settings(request):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    form = _settings_form(user.school, request.POST)
    if form.is_valid():
        try:
            actions.filtering_settings_update(actor=user, school=user.school,
                                              **form.cleaned_data)
            messages.success(request, "Filtering settings saved.")
        except EsafetyError as exc:
            _fail(request, exc)
    else:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_rule(request):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    form = forms.RuleForm(request.POST)
    if form.is_valid():
        category = selectors.category_of_school(user.school, form.cleaned_data["category"])
        if category is None:
            raise Http404
        try:
            actions.group_rule_set(actor=user, school=user.school,
                                   group=form.cleaned_data["group"], category=category,
                                   action=form.cleaned_data["action"])
            messages.success(request, f"{category.label} for "
                             f"{GROUP_LABELS[form.cleaned_data['group']]}: "
                             f"{dict(GroupRule.ACTIONS)[form.cleaned_data['action']].lower()}.")
        except EsafetyError as exc:
            _fail(request, exc)
    else:
        messages.error(request, "That change could not be read; nothing was changed.")
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_statutory(request, pk):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    category = selectors.category_of_school(user.school, pk)
    if category is None:
        raise Http404
    try:
        actions.category_update(actor=user, category=category,
                                statutory=request.POST.get("statutory") == "on")
        messages.success(request, f"{category.label} updated.")
    except EsafetyError as exc:
        _fail(request, exc)
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_group(request, group):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    if group not in GROUP_LABELS:
        raise Http404
    actions.group_setting_update(actor=user, school=user.school, group=group,
                                 approved_only=request.POST.get("approved_only") == "on",
                                 safe_search=request.POST.get("safe_search") == "on")
    messages.success(request, f"{GROUP_LABELS[group]} updated.")
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_working_time(request):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    form = forms.WorkingTimeForm(request.POST)
    if form.is_valid():
        actions.working_time_set(actor=user, school=user.school, spans=form.cleaned_data["spans"])
        messages.success(request, "Working time saved. Outside it is personal time.")
    else:
        messages.error(request, "; ".join(e for errs in form.errors.values() for e in errs))
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_entry_add(request):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    form = forms.SchoolEntryForm(request.POST)
    if form.is_valid():
        try:
            entry = actions.school_entry_add(actor=user, school=user.school, **form.cleaned_data)
            messages.success(request, f"Added {entry}.")
        except EsafetyError as exc:
            _fail(request, exc)
    else:
        messages.error(request, "Say which list and which site.")
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_entry_remove(request, pk):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    entry = access.get_entry_for_user(user, pk)
    actions.school_entry_remove(actor=user, entry=entry)
    messages.success(request, f"Removed {entry.host}.")
    return redirect("filtering:policy")


@login_required
def policy_decide(request):
    """Try the policy: what would happen to this address for this person, now or then."""
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    form = forms.DecideForm(request.GET or None)
    result = None
    if form.is_valid():
        person = selectors.person_in_school(user.school, form.cleaned_data["username"])
        target = parse_target(form.cleaned_data["url"])
        if person is None:
            form.add_error("username", "no one with that username in this school")
        elif target is None:
            form.add_error("url", "that is not a web address")
        else:
            at = form.cleaned_data["at"] or timezone.now()
            decision = selectors.decide(user.school, target, person.username, at,
                                        form.cleaned_data["url"])
            result = {"decision": decision, "person": person, "at": at,
                      "category": category_label(decision.category,
                                                 school_labels(user.school)),
                      "group": GROUP_LABELS.get(decision.group, decision.group or ""),
                      "clause": clause_for(decision.rule, "working time" in decision.reason)}
    return render(request, "filtering/decide.html", {"form": form, "result": result})

"""The filtering policy screens: the table of groups and categories, working time, the
school's own lists, settings, and trying an address against the policy."""

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
from esafety.filtering.views import show_failure, show_form_errors
from esafety.web.requests import SignedInRequest


# -- the policy table -----------------------------------------------------------------------------------
@login_required
def policy(request: SignedInRequest):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
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
def policy_staff_social(request: SignedInRequest):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
    form = forms.StaffSocialNetworksForm(request.POST)
    if form.is_valid():
        try:
            actions.staff_social_networks_set(actor=user, school=school,
                                              choice=form.cleaned_data["choice"])
            label = form.chosen_label()
            messages.success(request, f"Staff and personal social networks: {label.lower()}.")
        except EsafetyError as exc:
            show_failure(request, exc)
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
        "max_suspension_days": config.max_suspension_days,
        "log_retention_days": config.log_retention_days})


@login_required
@require_POST
def policy_settings(request: SignedInRequest):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
    form = _settings_form(school, request.POST)
    if form.is_valid():
        try:
            actions.filtering_settings_update(actor=user, school=school,
                                              **form.cleaned_data)
            messages.success(request, "Filtering settings saved.")
        except EsafetyError as exc:
            show_failure(request, exc)
    else:
        show_form_errors(request, form)
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_rule(request: SignedInRequest):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
    form = forms.RuleForm(request.POST)
    if form.is_valid():
        category = selectors.category_of_school(school, form.cleaned_data["category"])
        if category is None:
            raise Http404
        try:
            actions.group_rule_set(actor=user, school=school,
                                   group=form.cleaned_data["group"], category=category,
                                   action=form.cleaned_data["action"])
            messages.success(request, f"{category.label} for "
                             f"{GROUP_LABELS[form.cleaned_data['group']]}: "
                             f"{dict(GroupRule.ACTIONS)[form.cleaned_data['action']].lower()}.")
        except EsafetyError as exc:
            show_failure(request, exc)
    else:
        messages.error(request, "That change could not be read; nothing was changed.")
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_statutory(request: SignedInRequest, pk):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
    category = selectors.category_of_school(school, pk)
    if category is None:
        raise Http404
    try:
        actions.category_update(actor=user, category=category,
                                statutory=request.POST.get("statutory") == "on")
        messages.success(request, f"{category.label} updated.")
    except EsafetyError as exc:
        show_failure(request, exc)
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_group(request: SignedInRequest, group):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
    if group not in GROUP_LABELS:
        raise Http404
    actions.group_setting_update(actor=user, school=school, group=group,
                                 approved_only=request.POST.get("approved_only") == "on",
                                 safe_search=request.POST.get("safe_search") == "on")
    messages.success(request, f"{GROUP_LABELS[group]} updated.")
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_working_time(request: SignedInRequest):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
    form = forms.WorkingTimeForm(request.POST)
    if form.is_valid():
        actions.working_time_set(actor=user, school=school, spans=form.cleaned_data["spans"])
        messages.success(request, "Working time saved. Outside it is personal time.")
    else:
        show_form_errors(request, form)
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_entry_add(request: SignedInRequest):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
    form = forms.SchoolEntryForm(request.POST)
    if form.is_valid():
        try:
            entry = actions.school_entry_add(actor=user, school=school, **form.cleaned_data)
            messages.success(request, f"Added {entry}.")
        except EsafetyError as exc:
            show_failure(request, exc)
    else:
        messages.error(request, "Say which list and which site.")
    return redirect("filtering:policy")


@login_required
@require_POST
def policy_entry_remove(request: SignedInRequest, pk):
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    entry = access.get_entry_for_user(user, pk)
    actions.school_entry_remove(actor=user, entry=entry)
    messages.success(request, f"Removed {entry.host}.")
    return redirect("filtering:policy")


@login_required
def policy_decide(request: SignedInRequest):
    """Try the policy: what would happen to this address for this person, now or then."""
    user = request.user
    permissions.require(user, "manage_filtering", hide=True)
    school = access.own_school(user)
    form = forms.DecideForm(request.GET or None)
    result = None
    if form.is_valid():
        person = selectors.person_in_school(school, form.cleaned_data["username"])
        target = parse_target(form.cleaned_data["url"])
        if person is None:
            form.add_error("username", "no one with that username in this school")
        elif target is None:
            form.add_error("url", "that is not a web address")
        else:
            at = form.cleaned_data["at"] or timezone.now()
            decision = selectors.decide(school, target, person.username, at,
                                        form.cleaned_data["url"])
            result = {"decision": decision, "person": person, "at": at,
                      "category": category_label(decision.category,
                                                 school_labels(school)),
                      "group": (GROUP_LABELS.get(decision.group, decision.group)
                                if decision.group else ""),
                      "clause": clause_for(decision.rule, "working time" in decision.reason)}
    return render(request, "filtering/decide.html", {"form": form, "result": result})

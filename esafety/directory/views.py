from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from esafety.directory import actions, permissions, picker, selectors
from esafety.directory.access import get_person_for_user
from esafety.directory.forms import (
    GuestForm,
    ImportForm,
    LeaverForm,
    PeopleFilterForm,
    RoleForm,
    SchoolSettingsForm,
)
from esafety.directory.importing import OPTIONAL, REQUIRED, ImportFailed, import_people
from esafety.directory.models import Person, School
from esafety.errors import EsafetyError
from esafety.incidents import access as incident_access
from esafety.policies import status
from esafety.policies.middleware import gate_exempt
from esafety.web.requests import SignedInRequest


def _own_school(user: Person) -> School:
    """The signed-in person's school. Only the service operator has none, and school pages
    are not for them: a 404, as for any page that is not theirs."""
    if user.school is None:
        raise Http404("not available")
    return user.school


# Searches one person may make a minute: plenty for typing, too few to walk the whole roll.
SEARCHES_PER_MINUTE = 120


@gate_exempt  # part of the report form: nobody is ever kept from telling someone about harm
@login_required
def people_search(request: SignedInRequest):
    """The person picker's suggestions: only people the signed-in person may see
    (access.people_visible_to), at least 2 characters typed, at most 20 answers."""
    minute = int(timezone.now().timestamp() // 60)
    key = f"people-search:{request.user.pk}:{minute}"
    cache.add(key, 0, timeout=120)
    try:
        count = cache.incr(key)
    except ValueError:  # the entry expired between add and incr
        count = 1
    headers = {"Cache-Control": "no-store"}
    if count > SEARCHES_PER_MINUTE:
        return JsonResponse({"results": [], "error": "Too many searches: wait a minute."},
                            status=429, headers=headers)
    results = picker.people_search_results(request.user,
                                           request.GET.get("q", "").replace("\x00", ""),
                                           scope=request.GET.get("scope", "everyone"))
    return JsonResponse({"results": results}, headers=headers)


@login_required
def people(request: SignedInRequest):
    permissions.require(request.user, "view_people", hide=True)
    form = PeopleFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    found = selectors.people_for_list(request.user,
                                      include_leavers=bool(data.get("include_leavers")),
                                      role=data.get("role") or "",
                                      year_group=data.get("year_group"), q=data.get("q") or "")
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "directory/people.html", {
        "form": form, "page": page, "query": query.urlencode(),
        "can_manage": permissions.role_may(request.user.role, "manage_people"),
    })


@login_required
def person_detail(request: SignedInRequest, pk):
    permissions.require(request.user, "view_people", hide=True)
    person = get_person_for_user(request.user, pk)
    actions.person_view(actor=request.user, person=person)
    role_form = RoleForm(actor=request.user, person=person)
    history = selectors.person_history(request.user, person)
    return render(request, "directory/person.html", {
        "person": person, "standing": status.standing(person),
        "children": person.children.all(), "parents": person.parents.all(),
        "history": (history if permissions.role_may(request.user.role, "view_audit_trail")
                    else None),
        "can_manage": (permissions.role_may(request.user.role, "manage_people")
                       and permissions.may_manage(request.user, person)),
        "leaver_form": LeaverForm(),
        "role_form": role_form if role_form.offers_roles else None,
        "may_read_chronology": incident_access.may_read_chronology(request.user, person),
    })


@require_POST
@login_required
def person_leave(request: SignedInRequest, pk):
    permissions.require(request.user, "record_leaver", hide=True)
    person = get_person_for_user(request.user, pk)
    form = LeaverForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please give a valid leaving date.")
    else:
        try:
            actions.person_leave(actor=request.user, person=person, left_on=form.cleaned_data["left_on"])
        except EsafetyError as exc:
            messages.error(request, str(exc))
        else:
            if person.pk == request.user.pk and form.cleaned_data["left_on"] <= timezone.localdate():
                return redirect("login")
            messages.success(request, f"{person.display_name} is recorded as a leaver; "
                                      "their access ends on the leaving date.")
    return redirect("directory:person", pk=person.pk)


@require_POST
@login_required
def person_reinstate(request: SignedInRequest, pk):
    permissions.require(request.user, "record_leaver", hide=True)
    person = get_person_for_user(request.user, pk)
    try:
        actions.person_reinstate(actor=request.user, person=person)
    except EsafetyError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, f"{person.display_name}'s access is restored.")
    return redirect("directory:person", pk=person.pk)


@require_POST
@login_required
def person_role(request: SignedInRequest, pk):
    """Give someone another role: the grant table decides which (permissions.GRANTS)."""
    permissions.require(request.user, "grant_role", hide=True)
    person = get_person_for_user(request.user, pk)
    form = RoleForm(request.POST, actor=request.user, person=person)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    else:
        try:
            actions.person_role_change(actor=request.user, person=person,
                                       role=form.cleaned_data["role"],
                                       access_expires_at=form.cleaned_data["access_expires_at"])
        except EsafetyError as exc:
            messages.error(request, str(exc))
        else:
            person.refresh_from_db()
            messages.success(request, f"{person.display_name} is now "
                                      f"{person.role_label.lower()}.")
    return redirect("directory:person", pk=person.pk)


@login_required
def guest_new(request: SignedInRequest):
    permissions.require(request.user, "manage_guests", hide=True)
    form = GuestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            guest = actions.guest_add(actor=request.user, school=_own_school(request.user), role=data["role"],
                                      first_name=data["first_name"], last_name=data["last_name"],
                                      email=data["email"], expires_at=data["expires_at"],
                                      password=data["password"])
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, f"{guest.display_name} can sign in as “{guest.username}” "
                                      f"until {timezone.localtime(guest.access_expires_at):%d %b %Y %H:%M}.")
            return redirect("directory:person", pk=guest.pk)
    return render(request, "directory/guest_new.html", {"form": form})


@login_required
def school_settings(request: SignedInRequest):
    permissions.require(request.user, "change_school_settings", hide=True)
    school = _own_school(request.user)
    form = SchoolSettingsForm(request.POST or None, initial={
        "name": school.name, "year_start_day": school.year_start_day,
        "year_start_month": school.year_start_month, "email_domains": school.email_domains})
    if request.method == "POST" and form.is_valid():
        try:
            actions.school_update(actor=request.user, school=school, **form.cleaned_data)
        except EsafetyError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, "School settings saved.")
            return redirect("directory:school")
    return render(request, "directory/school.html", {"form": form, "school": school})


@login_required
def people_import(request: SignedInRequest):
    """Upload a MIS export: every problem listed by row, nothing imported unless all is well."""
    permissions.require(request.user, "import_people", hide=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    problems, result = None, None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            result = import_people(data["file"].read(), school=_own_school(request.user), kind=data["kind"],
                                   actor=request.user, dry_run=data["check_only"])
        except ImportFailed as failed:
            problems = failed.problems
    columns = [(kind, REQUIRED[kind], OPTIONAL[kind]) for kind in REQUIRED]
    return render(request, "directory/import.html", {
        "form": form, "problems": problems, "result": result, "columns": columns,
        "checked_only": form.is_bound and form.is_valid() and form.cleaned_data["check_only"]})

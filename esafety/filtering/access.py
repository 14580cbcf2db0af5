"""Who may do what in web filtering, and the only way views fetch filtering records.

Missing and not-yours are the same 404.
"""

from __future__ import annotations

from django.http import Http404

from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import NotAllowed
from esafety.filtering import selectors
from esafety.filtering.models import (
    FilteringAlert,
    InternetSuspension,
    SchoolEntry,
    UnblockRequest,
    WrongBlockReport,
)

# Who may do what is in the permission table (esafety/directory/permissions.py):
# use_filtering, request_unblock, approve_unblock, manage_filtering, view_filtering_logs,
# suspend_internet, lift_incident_suspension. The school's filtering settings then choose
# which of the approve_unblock roles decide unblock requests and wrong-block reports.


def require(actor: Person | None, capability: str, what: str,
            school: School | None = None) -> None:
    """The actions' check: NotAllowed unless the actor may (in the school, when given)."""
    permissions.require(actor, capability, school, what=what)


def own_school(user: Person) -> School:
    """The signed-in person's school. Only the service operator has none, and filtering
    pages are about one school's filter: a 404, as for any page that is not theirs."""
    if user.school is None:
        raise Http404("not available")
    return user.school


def may_manage(user: Person) -> bool:
    return permissions.allowed(user, "manage_filtering")


def may_view_logs(user: Person) -> bool:
    return permissions.allowed(user, "view_filtering_logs")


def may_see_suspensions(user: Person | None) -> bool:
    """The suspensions list and its actions are for the roles the filtering policy names."""
    return bool(user is not None and user.is_authenticated and (
        user.is_superuser or (user.school_id is not None
                              and permissions.role_may(user.role, "suspend_internet"))))


def may_lift(user: Person, suspension: InternetSuspension) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    if user.school_id != suspension.school_id:
        return False
    return permissions.role_may(user.role, "lift_incident_suspension"
                                if suspension.incident_reference else "suspend_internet")


def is_approver(user: Person, school: School) -> bool:
    """One of the roles the school's filtering settings name to decide unblock requests."""
    return bool(getattr(user, "is_superuser", False)
                or (user.school_id == school.id
                    and user.role in selectors.approver_roles(school)))


def require_report_resolver(actor: Person, school: School) -> None:
    """Wrong-block reports are dealt with by those who manage filtering and by the school's
    unblock approvers."""
    if permissions.is_operator(actor):
        return
    if not (permissions.role_may(actor.role, "manage_filtering")
            or actor.role in selectors.approver_roles(school)):
        raise NotAllowed("your role cannot resolve wrong-block reports")
    if actor.school_id != school.id:
        raise NotAllowed("that belongs to another school")


def may_resolve_reports(user: Person, school: School) -> bool:
    """Wrong-block reports: those who manage filtering, and the school's approvers."""
    return permissions.allowed(user, "manage_filtering", school) or is_approver(user, school)


def _get(model, user: Person, pk, **extra):
    try:
        return model.objects.get(pk=pk, school_id=user.school_id, **extra)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404("not found") from None


def get_unblock_for_user(user: Person, pk: int | str) -> UnblockRequest:
    return _get(UnblockRequest, user, pk)


def get_alert_for_user(user: Person, pk: int | str) -> FilteringAlert:
    return _get(FilteringAlert, user, pk)


def get_report_for_user(user: Person, pk: int | str) -> WrongBlockReport:
    return _get(WrongBlockReport, user, pk)


def get_suspension_for_user(user: Person, pk: int | str) -> InternetSuspension:
    return _get(InternetSuspension, user, pk)


def get_entry_for_user(user: Person, pk: int | str) -> SchoolEntry:
    return _get(SchoolEntry, user, pk)

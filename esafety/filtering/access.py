"""Who may do what in web filtering, and the only way views fetch filtering records.

Missing and not-yours are the same 404.
"""

from __future__ import annotations

from collections.abc import Collection

from django.http import Http404

from esafety.directory import roles
from esafety.directory.access import check_actor
from esafety.filtering.models import (
    FilteringAlert,
    InternetSuspension,
    SchoolEntry,
    UnblockRequest,
    WrongBlockReport,
)
from esafety.filtering.rules import incident_suspension_lift_roles, suspension_roles

# Who may change the filtering policy, and who may see what the filter logged.
CAN_MANAGE_FILTERING = frozenset({roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD,
                                  roles.HEADTEACHER})
CAN_VIEW_FILTER_LOGS = frozenset({roles.IT_MANAGER, roles.ONLINE_SAFETY_LEAD, roles.HEADTEACHER,
                                  roles.DSL, roles.ASSISTANT_HEAD})
CAN_REQUEST_UNBLOCK = roles.STAFF_ROLES
# Suspensions: the roles the filtering policy names (defaults.yaml: DSL, online safety lead,
# headteacher, IT manager) see them, make them and lift them; one an incident's sanction made
# is lifted only by the DSL or the headteacher, with a reason.
CAN_SUSPEND_INTERNET = suspension_roles()
CAN_LIFT_INCIDENT_SUSPENSION = incident_suspension_lift_roles()


def require(actor, allowed: Collection[str], what: str, school=None) -> None:
    """The actions' check: NotAllowed unless the actor holds one of the roles (and belongs
    to the school, when one is given)."""
    check_actor(actor, allowed=allowed, school_id=school.id if school is not None else None,
                what=what)


def _holds(user, allowed: Collection[str]) -> bool:
    return bool(user is not None and user.is_authenticated
                and (user.is_superuser or user.role in allowed))


def may_manage(user) -> bool:
    return _holds(user, CAN_MANAGE_FILTERING)


def may_view_logs(user) -> bool:
    return _holds(user, CAN_VIEW_FILTER_LOGS)


def may_see_suspensions(user) -> bool:
    """The suspensions list and its actions are for the roles the filtering policy names."""
    return bool(user is not None and user.is_authenticated and (
        user.is_superuser or (user.school_id is not None and user.role in CAN_SUSPEND_INTERNET)))


def may_lift(user, suspension: InternetSuspension) -> bool:
    if getattr(user, "is_superuser", False):
        return True
    if user.school_id != suspension.school_id:
        return False
    allowed = (CAN_LIFT_INCIDENT_SUSPENSION if suspension.incident_reference
               else CAN_SUSPEND_INTERNET)
    return user.role in allowed


def _get(model, user, pk, **extra):
    try:
        return model.objects.get(pk=pk, school_id=user.school_id, **extra)
    except (model.DoesNotExist, ValueError, TypeError):
        raise Http404("not found") from None


def get_unblock_for_user(user, pk) -> UnblockRequest:
    return _get(UnblockRequest, user, pk)


def get_alert_for_user(user, pk) -> FilteringAlert:
    return _get(FilteringAlert, user, pk)


def get_report_for_user(user, pk) -> WrongBlockReport:
    return _get(WrongBlockReport, user, pk)


def get_suspension_for_user(user, pk) -> InternetSuspension:
    return _get(InternetSuspension, user, pk)


def get_entry_for_user(user, pk) -> SchoolEntry:
    return _get(SchoolEntry, user, pk)

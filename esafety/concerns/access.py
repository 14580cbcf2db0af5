"""Who may see and act on concerns: need-to-know, in one place.

The permission table's `view_concerns` and `act_on_concerns` roles in the concern's school,
and the school's designated person (Incidents > Incident settings), whatever their role.
Nobody else sees that a concern exists: "missing" and "not yours" are the same 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from esafety.concerns.models import Concern
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.incidents import access as incident_access


def _designated_id(school: School) -> int | None:
    return incident_access.settings_for(school).designated_person_id


def _holds(user: Person | None, capability: str, school: School | None) -> bool:
    if user is None or school is None or not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "school_id", None) != school.pk or not user.is_active:
        return False  # the service operator and other schools' staff: never
    return (permissions.role_may(user.role, capability)
            or _designated_id(school) == user.pk)


def may_view(user: Person | None, school: School | None) -> bool:
    return _holds(user, "view_concerns", school)


def may_act(user: Person | None, school: School | None) -> bool:
    return _holds(user, "act_on_concerns", school)


def leads(school: School) -> list[Person]:
    """Who is told about concerns: the designated person, then everyone whose role may act
    on concerns (the safeguarding lead, the headteacher), active, in a stable order."""
    found: list[Person] = []
    designated = incident_access.settings_for(school).designated_person
    if designated is not None and designated.is_active:
        found.append(designated)
    for person in Person.objects.filter(
            school=school, is_active=True,
            role__in=permissions.roles_with("act_on_concerns")).order_by("role", "pk"):
        if person not in found:
            found.append(person)
    return found


def require_inbox(user: Person) -> School:
    """The school whose inbox `user` may see; 404 for anyone else."""
    school = getattr(user, "school", None)
    if not may_view(user, school):
        raise Http404("no such page")
    assert school is not None
    return school


def visible_concerns(user: Person) -> QuerySet[Concern]:
    school = getattr(user, "school", None)
    if not may_view(user, school):
        return Concern.objects.none()
    return Concern.objects.filter(school=school)


def get_concern_for_user(user: Person, pk: int | str) -> Concern:
    try:
        return visible_concerns(user).select_related("person", "incident", "school",
                                                     "state_changed_by").get(pk=pk)
    except (Concern.DoesNotExist, ValueError):
        raise Http404("no such concern") from None

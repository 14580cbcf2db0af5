"""Reads of the directory for its screens (no writes, ever)."""

from django.db.models import Q, QuerySet

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.directory.models import Person


def people_for_list(user: Person, *, include_leavers: bool = False, role: str = "",
                    year_group: str | int | None = None, q: str = "") -> QuerySet[Person]:
    """The people page: current people of `user`'s school unless leavers are asked for."""
    found = Person.objects.filter(school_id=user.school_id)
    if not include_leavers:
        found = found.current()
    if role:
        found = found.filter(role=role)
    if year_group:
        found = found.filter(year_group=int(year_group), role=roles.PUPIL)
    for word in (q or "").split():
        found = found.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word)
                             | Q(username__icontains=word))
    return found.order_by("last_name", "first_name")


def person_history(user: Person, person: Person, limit: int = 20) -> QuerySet[AuditEvent]:
    """The latest audit events about `person`, for their page."""
    return AuditEvent.objects.filter(school=user.school, object_type="person",
                                     object_id=str(person.pk))[:limit]

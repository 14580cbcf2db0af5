"""What every action on a case checks first, and how it marks the case as responded to."""

from __future__ import annotations

from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import access
from esafety.incidents.history import now
from esafety.incidents.models import STATUS_CLOSED, STATUS_NEW, STATUS_OPEN, Incident


def require_team(actor: Person, incident: Incident) -> None:
    if access.access_level(actor, incident) != access.TEAM:
        raise NotAllowed("you are not on this case")


MESSAGE_CHECK_VIA = "message check"  # Incident.reported_via of a concern a check found


def responded(incident: Incident, actor: Person) -> list[str]:
    """A team member acting on a new incident is its first response."""
    changed = []
    # A concern found by a message check is recorded in the designated person's name when
    # nobody else reported it; their own first step on it is still its first response.
    by_someone_else = (actor.pk != incident.reported_by_id
                       or incident.reported_via == MESSAGE_CHECK_VIA)
    if by_someone_else and incident.first_response_at is None:
        incident.first_response_at = now()
        changed.append("first_response_at")
    if incident.status == STATUS_NEW and by_someone_else:
        incident.status = STATUS_OPEN
        changed.append("status")
    return changed


def save(incident: Incident, fields: list[str]) -> None:
    fields = sorted(set(fields))
    if fields:
        incident.version += 1
        incident.save(update_fields=[*fields, "version"])


def require_open(incident: Incident) -> None:
    if incident.status == STATUS_CLOSED:
        raise Conflict(f"{incident.reference} is closed; reopen it first", code="incident-closed")


def require_in_school(school: School, person: Person | None,
                      what: str = "that person") -> None:
    if person is not None and person.school_id != school.id:
        raise InvalidInput(f"{what} is not in your school: a report can only be about people "
                           "in your own school", code="other-school")

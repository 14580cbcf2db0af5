"""Keeping a case moving: who owns it, and what must happen next by when.

The owner is one of the senior staff who may act on the case, chosen by the DSL or the
headteacher (for an allegation, by its owner: the headteacher, or the chair of governors
when the head is accused). The next action and its due date are set by anyone working on
the case, always with a reason, so the history says why a date moved.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import access, events, rules
from esafety.incidents.actions.guards import (
    require_in_school,
    require_open,
    require_team,
    responded,
    save,
)
from esafety.incidents.history import append, lock, now
from esafety.incidents.models import Incident

NEXT_ACTION_CHARS = 200


def case_owner_set(*, actor: Person, incident: Incident, person: Person | None) -> Incident:
    """Make `person` the case's owner (None: nobody owns it now)."""
    with transaction.atomic():
        incident = lock(incident)
        if not access.can_assign_owner(actor, incident):
            raise NotAllowed("only the DSL or the headteacher (for an allegation, its owner) "
                             "chooses who owns a case")
        require_open(incident)
        if person is not None:
            _require_may_own(incident, person)
        if person is None and incident.owner_id is None:
            raise Conflict("nobody owns this case", code="no-owner")
        if person is not None and incident.owner_id == person.pk:
            raise Conflict(f"{person.display_name} already owns this case", code="already-owner")
        before = incident.owner_id
        incident.owner = person
        save(incident, ["owner", *responded(incident, actor)])
        append(incident, actor=actor, kind="owner_set", state=True,
               data={"person": person.pk if person is not None else None,
                     "name": person.display_name if person is not None else ""})
        events.incident_owner_set(actor=actor, incident=incident, person=person, before=before)
    return incident


def _require_may_own(incident: Incident, person: Person) -> None:
    require_in_school(incident.school, person)
    if not permissions.role_may(person.role, "investigate") or not person.can_use_systems():
        raise InvalidInput(f"{person.display_name} is not a senior member of staff who can sign "
                           "in: a case's owner must be someone who may investigate it",
                           code="not-senior")
    if person.pk == incident.subject_staff_id:
        raise InvalidInput("the person an allegation is about cannot own it",
                           code="subject-cannot-own")
    if incident.part_of(person) == rules.PART_ALLEGED:
        raise InvalidInput(f"{person.display_name} is an alleged perpetrator in this case and "
                           "cannot own it", code="alleged-cannot-own")
    if access.access_level(person, incident) != access.TEAM:
        raise InvalidInput(f"{person.display_name} cannot work on this case yet: name them an "
                           "investigator first", code="not-on-case")


def next_action_set(*, actor: Person, incident: Incident, action: str,
                    due: datetime.date | None, reason: str) -> Incident:
    """Record what must happen next and by when (both empty: nothing is due), with why."""
    action = " ".join((action or "").split())
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why the next action or its date is set or changed",
                           code="missing-reason")
    if len(action) > NEXT_ACTION_CHARS:
        raise InvalidInput(f"say what happens next in {NEXT_ACTION_CHARS} characters or fewer",
                           code="next-action-too-long")
    if action and due is None:
        raise InvalidInput("give the date the next action is due", code="missing-due-date")
    if due is not None and not action:
        raise InvalidInput("say what must be done by that date", code="missing-next-action")
    today = timezone.localtime(now()).date()
    if due is not None and due < today:
        raise InvalidInput("that date has passed: choose today or a later date",
                           code="due-date-passed")
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_open(incident)
        if action == incident.next_action and due == incident.next_action_due:
            raise Conflict("that is already the next action and its date", code="unchanged")
        before = incident.next_action_due.isoformat() if incident.next_action_due else None
        incident.next_action = action
        incident.next_action_due = due
        save(incident, ["next_action", "next_action_due", *responded(incident, actor)])
        append(incident, actor=actor, kind="next_action_set", state=True,
               data={"action": action, "due": due.isoformat() if due else None,
                     "reason": reason})
        events.incident_next_action_set(actor=actor, incident=incident,
                                        due=due.isoformat() if due else None, before=before)
    return incident

"""People in a case and their parts: every change kept, never deleted."""

from __future__ import annotations

from django.db import transaction

from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput
from esafety.incidents import events, rules
from esafety.incidents.actions.guards import require_in_school, require_team, responded, save
from esafety.incidents.history import append, lock, now
from esafety.incidents.models import Incident, Involvement


def set_part(incident: Incident, *, actor: Person, person: Person, part: str,
              reason: str = "") -> Involvement | None:
    """Give `person` `part` (adding them, or closing their old row and opening a new one).

    Call inside the action's transaction; appends the chain event. Returns None when the
    person already has that part.
    """
    current = (Involvement.objects.select_for_update()
               .filter(incident=incident, person=person, removed_at__isnull=True).first())
    if current is not None and current.part == part:
        return None
    moment = now()
    before = current.part if current is not None else None
    if current is not None:
        current.removed_at = moment
        current.removed_by = actor
        current.removed_reason = reason or f"Part changed to {rules.PART_LABELS[part]}"
        current.save(update_fields=["removed_at", "removed_by", "removed_reason"])
    row = Involvement.objects.create(incident=incident, person=person, part=part,
                                     added_by=actor, added_at=moment)
    append(incident, actor=actor,
            kind="involvement_changed" if current is not None else "involvement_added",
            data={"involvement": row.pk, "person": person.pk, "name": person.display_name,
                  "part": part, "before": before, "reason": reason})
    return row


def _require_no_current_rating(incident: Incident, person: Person, doing: str) -> None:
    if incident.ratings.filter(person=person, withdrawn_at__isnull=True).exists():
        raise Conflict(f"{person.display_name} has a rating in this case: withdraw it first, "
                       f"with a reason, before {doing}", code="rated")


def involvement_set(*, actor: Person, incident: Incident, person: Person, part: str,
                    reason: str = "") -> Involvement | None:
    """The case team adds someone to the case with a part, or changes their part.

    Every change is kept (the old row is closed, not deleted) and is an event in the
    incident's history with who made it. The member of staff an allegation is about stays
    its alleged perpetrator; someone whose misuse is rated keeps that part until the rating
    is withdrawn; an investigator cannot be an alleged perpetrator of their own case.
    """
    if part not in rules.PART_LABELS:
        raise InvalidInput("choose the person's part in the case", code="unknown-part")
    reason = (reason or "").strip()
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_in_school(incident.school, person)
        current = incident.part_of(person)
        if current == part:
            raise Conflict(f"{person.display_name} is already recorded as "
                           f"{rules.PART_LABELS[part].lower()}", code="same-part")
        if person.pk == incident.subject_staff_id:
            raise InvalidInput("the allegation is about this member of staff: they stay its "
                               "alleged perpetrator", code="subject-is-alleged")
        if current == rules.PART_ALLEGED:
            _require_no_current_rating(incident, person, "changing their part")
        if part == rules.PART_ALLEGED and incident.investigators.filter(person=person).exists():
            raise InvalidInput(f"{person.display_name} investigates this case: an alleged "
                               "perpetrator cannot investigate it", code="investigator-alleged")
        if part == rules.PART_ALLEGED and incident.owner_id == person.pk:
            raise InvalidInput(f"{person.display_name} owns this case: an alleged perpetrator "
                               "cannot own it (choose another owner first)",
                               code="owner-alleged")
        row = set_part(incident, actor=actor, person=person, part=part, reason=reason)
        save(incident, responded(incident, actor))
        events.incident_part_set(actor=actor, incident=incident, person=person, part=part,
                                 before=current)
    return row


def involvement_remove(*, actor: Person, incident: Incident, person: Person,
                       reason: str) -> Involvement:
    """Take someone off the case (listed by mistake): kept on record with the reason."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why this person is taken off the case", code="missing-reason")
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        row = (Involvement.objects.select_for_update()
               .filter(incident=incident, person=person, removed_at__isnull=True).first())
        if row is None:
            raise InvalidInput(f"{person.display_name} is not one of the people in this case",
                               code="not-involved")
        if person.pk == incident.subject_staff_id:
            raise InvalidInput("the allegation is about this member of staff: they stay on it",
                               code="subject-is-alleged")
        _require_no_current_rating(incident, person, "taking them off the case")
        row.removed_at = now()
        row.removed_by = actor
        row.removed_reason = reason
        row.save(update_fields=["removed_at", "removed_by", "removed_reason"])
        append(incident, actor=actor, kind="involvement_removed",
                data={"involvement": row.pk, "person": person.pk, "name": person.display_name,
                      "part": row.part, "reason": reason})
        events.incident_part_removed(actor=actor, incident=incident, person=person,
                                     part=row.part)
    return row

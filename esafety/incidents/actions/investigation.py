"""The investigation (002 "Other Incidents"): notes, who investigates and who may read an
allegation, police matters, the judgement, closing and reopening."""

from __future__ import annotations

from django.db import transaction

from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.errors import Conflict, InvalidInput, NotAllowed
from esafety.incidents import access, events, notifications, rules
from esafety.incidents.actions.guards import (
    require_in_school,
    require_open,
    require_team,
    responded,
    save,
)
from esafety.incidents.actions.parts import set_part
from esafety.incidents.history import append, lock, now
from esafety.incidents.models import (
    STATUS_CLOSED,
    STATUS_OPEN,
    AllegationViewer,
    Incident,
    IncidentEvent,
    Investigator,
)
from esafety.incidents.notifications import notify_report
from esafety.incidents.selectors import closing_problems, judgement_seal


def incident_note(*, actor: Person, incident: Incident, text: str) -> IncidentEvent:
    """Notes are appended, never edited, so two investigators writing at once both keep theirs."""
    text = (text or "").strip()
    if not text:
        raise InvalidInput("the note is empty", code="empty-note")
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        save(incident, responded(incident, actor))
        event = append(incident, actor=actor, kind="note", data={"text": text})
        events.incident_note_added(actor=actor, incident=incident)
    return event


def incident_acknowledge(*, actor: Person, incident: Incident) -> Incident:
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        changed = responded(incident, actor)
        if not changed:
            raise Conflict("this incident has already been acknowledged", code="already-open")
        save(incident, changed)
        append(incident, actor=actor, kind="acknowledged", state=True)
        events.incident_acknowledged(actor=actor, incident=incident)
    return incident


def investigator_add(*, actor: Person, incident: Incident, person: Person) -> Investigator:
    """002: 'Have more than one senior member of staff involved in this process.'"""
    with transaction.atomic():
        incident = lock(incident)
        if not access.can_name_investigators(actor, incident):
            raise NotAllowed("you cannot name investigators for this incident")
        require_open(incident)
        require_in_school(incident.school, person)
        if not permissions.role_may(person.role, "investigate") or not person.can_use_systems():
            raise InvalidInput(f"{person.display_name} is not a senior member of staff who can "
                               "sign in: investigators must be senior staff", code="not-senior")
        if person.pk == incident.subject_staff_id:
            raise InvalidInput("the person an allegation is about cannot investigate it",
                               code="subject-cannot-investigate")
        if incident.part_of(person) == rules.PART_ALLEGED:
            raise InvalidInput(f"{person.display_name} is an alleged perpetrator in this case "
                               "and cannot investigate it", code="alleged-cannot-investigate")
        if incident.investigators.filter(person=person).exists():
            raise Conflict(f"{person.display_name} is already an investigator",
                           code="already-investigator")
        added = Investigator.objects.create(incident=incident, person=person, added_by=actor,
                                            added_at=now())
        save(incident, responded(incident, actor))
        append(incident, actor=actor, kind="investigator_added",
                data={"person": person.pk, "name": person.display_name}, state=True)
        events.incident_investigator_added(actor=actor, incident=incident, person=person)
        if person.pk != actor.pk:
            transaction.on_commit(lambda: notifications.investigator_added(incident.pk,
                                                                          person.pk))
    return added


def allegation_viewer_add(*, actor: Person, incident: Incident, person: Person) -> AllegationViewer:
    """The headteacher (or chair of governors) lets a senior colleague read an allegation.

    Access is read only: to let them act on the case, the owner names them an investigator.
    """
    with transaction.atomic():
        incident = lock(incident)
        if not access.is_allegation_owner(actor, incident):
            raise NotAllowed("only the headteacher (or the chair of governors) adds people here")
        require_in_school(incident.school, person)
        if person.pk == incident.subject_staff_id:
            raise InvalidInput("the person the allegation is about cannot be added",
                               code="subject-cannot-view")
        if not permissions.role_may(person.role, "investigate") or not person.can_use_systems():
            raise InvalidInput(f"{person.display_name} is not a senior member of staff who can "
                               "sign in: access to an allegation is for senior staff only "
                               "(headteacher, assistant headteacher, DSL, online safety lead)",
                               code="not-senior")
        viewer, created = AllegationViewer.objects.get_or_create(
            incident=incident, person=person,
            defaults={"added_by": actor, "added_at": now()})
        if not created:
            raise Conflict(f"{person.display_name} already has access", code="already-viewer")
        append(incident, actor=actor, kind="viewer_added",
                data={"person": person.pk, "name": person.display_name})
        events.incident_viewer_added(actor=actor, incident=incident, person=person)
    return viewer


def allegation_subject_set(*, actor: Person, incident: Incident, person: Person) -> Incident:
    """A leader recognises a report as an allegation about a member of staff and passes it on.

    From then on only the headteacher (or, about the headteacher, the chair of governors)
    and the people they add can see it; the owner is told after commit.
    """
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_open(incident)
        if incident.is_allegation:
            raise Conflict("this is already an allegation", code="already-allegation")
        if not access.is_leader(actor):
            raise NotAllowed("only the DSL, online safety lead or headteacher can do this")
        require_in_school(incident.school, person, "the member of staff")
        if not person.is_staff_member:
            raise InvalidInput("an allegation against staff must name a member of staff",
                               code="not-staff")
        incident.subject_staff = person
        changed = ["subject_staff", *responded(incident, actor)]
        # The case's owner steps back, unless they own the allegation (as investigators do,
        # below): its owner chooses who moves it on.
        if incident.owner is not None and not access.is_allegation_owner(incident.owner,
                                                                         incident):
            incident.owner = None
            changed.append("owner")
        save(incident, changed)
        # The member of staff the allegation is about is its alleged perpetrator.
        set_part(incident, actor=actor, person=person, part=rules.PART_ALLEGED,
                  reason="The allegation is about them")
        # The allegation's owner chooses who investigates: those named so far stand down
        # (kept on record) unless they are the owner.
        stood_down = []
        for row in incident.investigators.select_related("person"):
            if not access.is_allegation_owner(row.person, incident):
                row.stood_down_at = now()
                row.save(update_fields=["stood_down_at"])
                stood_down.append(row.person.display_name)
        append(incident, actor=actor, kind="allegation", state=True,
                data={"person": person.pk, "name": person.display_name,
                      "investigators_stood_down": stood_down})
        events.incident_became_allegation(actor=actor, incident=incident)
        transaction.on_commit(lambda: notify_report(incident.pk))
    return incident


def police_matters_set(*, actor: Person, incident: Incident, matters: list[str]) -> Incident:
    unknown = set(matters) - set(rules.POLICE_MATTER_LABELS)
    if unknown:
        raise InvalidInput("unknown police-reportable matter", code="unknown-matter")
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_open(incident)
        # What the kind itself implies cannot be unticked (e.g. images of children).
        incident.police_matters = sorted(set(matters)
                                         | set(rules.POLICE_MATTERS_BY_TYPE.get(incident.kind, [])))
        save(incident, ["police_matters", *responded(incident, actor)])
        append(incident, actor=actor, kind="police_matters", state=True,
                data={"matters": incident.police_matters})
        events.incident_police_matters(actor=actor, incident=incident,
                                       matters=incident.police_matters)
    return incident


def _require_investigators(incident: Incident) -> None:
    count = incident.investigators.count()
    if count < rules.REQUIRED_INVESTIGATORS:
        raise Conflict(f"name {rules.REQUIRED_INVESTIGATORS} senior members of staff as "
                       f"investigators before concluding (002); {count} named so far",
                       code="needs-two-investigators")


def _require_police_considered(incident: Incident, outcome: str, override: str) -> None:
    if incident.police_matters and outcome != rules.POLICE and not override.strip():
        listed = "; ".join(incident.police_matter_labels())
        raise Conflict("This content matches the list the policy says to report to the police "
                       f"(002 'Other Incidents'): {listed}. Choose police involvement, or record "
                       "why the police are not being involved.", code="police-reportable")


def incident_judge(*, actor: Person, incident: Incident, outcome: str, reasons: str,
                   police_override_reason: str = "", seen: str | None = None) -> Incident:
    """002: 'judge whether this concern has substance or not', and what action follows.

    `seen` is judgement_seal() as the actor's page showed it: if another investigator has
    recorded a judgement since, nothing is overwritten and Conflict says so.
    """
    if outcome not in rules.OUTCOME_LABELS:
        raise InvalidInput("choose one of the judgements", code="unknown-outcome")
    reasons = (reasons or "").strip()
    if not reasons:
        raise InvalidInput("give the reasons for the judgement", code="missing-reasons")
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_open(incident)
        _require_investigators(incident)
        if seen is not None and seen != judgement_seal(incident):
            judged_by = incident.judged_by
            who = judged_by.display_name if judged_by is not None else "Someone else"
            raise Conflict(f"{who} recorded a judgement while you "
                           "were writing yours. Yours was not saved: read theirs, then record "
                           "yours again if it should replace it.", code="judgement-conflict")
        _require_police_considered(incident, outcome, police_override_reason)
        incident.outcome = outcome
        incident.outcome_reasons = reasons
        incident.police_override_reason = (police_override_reason.strip()
                                           if outcome != rules.POLICE else "")
        if outcome == rules.POLICE:
            incident.police_referral = True
        incident.judged_by = actor
        incident.judged_at = now()
        save(incident, ["outcome", "outcome_reasons", "police_override_reason", "police_referral",
                         "judged_by", "judged_at", *responded(incident, actor)])
        append(incident, actor=actor, kind="judged", state=True, data={"outcome": outcome})
        events.incident_judged(actor=actor, incident=incident, outcome=outcome)
    return incident


def incident_close(*, actor: Person, incident: Incident) -> Incident:
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        require_open(incident)
        _require_investigators(incident)
        if incident.outcome:
            _require_police_considered(incident, incident.outcome, incident.police_override_reason)
        problems = closing_problems(incident)
        if problems:
            raise Conflict("Not ready to close: " + " ".join(problems), code="not-ready-to-close")
        incident.status = STATUS_CLOSED
        incident.closed_at = now()
        incident.closed_by = actor
        save(incident, ["status", "closed_at", "closed_by"])
        append(incident, actor=actor, kind="closed", state=True)
        events.incident_closed(actor=actor, incident=incident)
    return incident


def incident_reopen(*, actor: Person, incident: Incident, reason: str) -> Incident:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("say why the incident is reopened", code="missing-reason")
    with transaction.atomic():
        incident = lock(incident)
        require_team(actor, incident)
        if incident.status != STATUS_CLOSED:
            raise Conflict("this incident is not closed", code="not-closed")
        incident.status = STATUS_OPEN
        incident.closed_at = None
        incident.closed_by = None
        save(incident, ["status", "closed_at", "closed_by"])
        append(incident, actor=actor, kind="reopened", state=True, data={"reason": reason})
        events.incident_reopened(actor=actor, incident=incident)
    return incident

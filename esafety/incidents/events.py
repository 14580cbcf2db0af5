"""What happened in the incident log: one function per audit event.

The only callers of `esafety.audit.events.record` in incidents. Actions call these inside
their transaction, so the row commits or rolls back with the change it describes. An audit
row names the incident and what happened, never its sensitive contents (those are in the
incident's own history). The event_type strings are the trail's vocabulary
(audit/labels.py): never rename one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from esafety.audit import events

if TYPE_CHECKING:
    from esafety.audit.models import AuditEvent
    from esafety.directory.models import Person
    from esafety.incidents.models import Incident, IncidentSettings


def _about(incident: Incident, *, actor: Person | None, event_type: str,
           details: dict[str, Any] | None = None) -> AuditEvent:
    return events.record(event_type=event_type, actor=actor, obj=incident,
                         school=incident.school, object_label=incident.reference,
                         details={"kind": incident.kind, **(details or {})})


def incident_reported(*, actor: Person, incident: Incident, via: str) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_reported",
                  details={"via": via, "allegation": incident.is_allegation})


def incident_edited(*, actor: Person, incident: Incident, fields: list[str],
                    before_version: int) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_edited",
                  details={"fields": fields, "before_version": before_version})


def incident_images_removed(*, actor: Person | None, incident: Incident,
                            evidence: list[int]) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_images_removed",
                  details={"evidence": evidence})


def incident_note_added(*, actor: Person, incident: Incident) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_note_added")


def incident_acknowledged(*, actor: Person, incident: Incident) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_acknowledged")


def incident_evidence_added(*, actor: Person, incident: Incident, evidence: int,
                            evidence_kind: str, sha256: str) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_evidence_added",
                  details={"evidence": evidence, "evidence_kind": evidence_kind,
                           "sha256": sha256})


def incident_evidence_withdrawn(*, actor: Person, incident: Incident,
                                evidence: int) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_evidence_withdrawn",
                  details={"evidence": evidence})


def incident_screenshot_signed(*, actor: Person, incident: Incident,
                               evidence: int) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_screenshot_signed",
                  details={"evidence": evidence})


def incident_investigator_added(*, actor: Person, incident: Incident,
                                person: Person) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_investigator_added",
                  details={"person": person.pk})


def incident_viewer_added(*, actor: Person, incident: Incident, person: Person) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_viewer_added",
                  details={"person": person.pk})


def incident_became_allegation(*, actor: Person, incident: Incident) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_became_allegation")


def incident_police_matters(*, actor: Person, incident: Incident,
                            matters: list[str]) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_police_matters",
                  details={"matters": matters})


def incident_judged(*, actor: Person, incident: Incident, outcome: str) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_judged",
                  details={"outcome": outcome})


def incident_closed(*, actor: Person, incident: Incident) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_closed",
                  details={"outcome": incident.outcome})


def incident_reopened(*, actor: Person, incident: Incident) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_reopened")


def incident_part_set(*, actor: Person, incident: Incident, person: Person, part: str,
                      before: str | None) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_part_set",
                  details={"person": person.pk, "part": part, "before": before})


def incident_part_removed(*, actor: Person, incident: Incident, person: Person,
                          part: str) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_part_removed",
                  details={"person": person.pk, "part": part})


def incident_misuse_rated(*, actor: Person, incident: Incident, rating: str) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_misuse_rated",
                  details={"rating": rating})


def incident_rating_withdrawn(*, actor: Person, incident: Incident, rating: int) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_rating_withdrawn",
                  details={"rating": rating})


def incident_sanction_recorded(*, actor: Person, incident: Incident, sanction: str,
                               override: bool) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_sanction_recorded",
                  details={"sanction": sanction, "override": override})


def incident_takedown_requested(*, actor: Person, incident: Incident) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_takedown_requested")


def incident_takedown_updated(*, actor: Person, incident: Incident, outcome: str) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_takedown_updated",
                  details={"outcome": outcome})


def incident_settings_changed(*, actor: Person, conf: IncidentSettings, before: dict,
                              after: dict) -> AuditEvent:
    return events.record(event_type="incident_settings_changed", actor=actor, obj=conf,
                         school=conf.school, before=before, after=after)


def incident_viewed(*, actor: Person, incident: Incident, what: str) -> AuditEvent:
    return events.record(event_type="incident_viewed", actor=actor, obj=incident,
                         school=incident.school, object_label=incident.reference,
                         details={"what": what})


def incident_list_viewed(*, actor: Person, incidents: list[int]) -> AuditEvent:
    return events.record(event_type="incident_list_viewed", actor=actor, school=actor.school,
                         object_type="incident", details={"incidents": incidents})


def person_chronology_viewed(*, actor: Person, person: Person,
                             incidents: list[int]) -> AuditEvent:
    return events.record(event_type="person_chronology_viewed", actor=actor, obj=person,
                         details={"incidents": incidents})


def incident_owner_set(*, actor: Person, incident: Incident, person: Person | None,
                       before: int | None) -> AuditEvent:
    return _about(incident, actor=actor, event_type="incident_owner_set",
                  details={"person": person.pk if person is not None else None,
                           "before": before})


def incident_next_action_set(*, actor: Person, incident: Incident, due: str | None,
                             before: str | None) -> AuditEvent:
    # The reason and the action's words stay in the case's own history (they may be
    # sensitive); the trail says the date moved.
    return _about(incident, actor=actor, event_type="incident_next_action_set",
                  details={"due": due, "before": before})


def incident_log_exported(*, actor: Person, incidents: list[int],
                          filters: dict[str, str]) -> AuditEvent:
    return events.record(event_type="incident_log_exported", actor=actor, school=actor.school,
                         object_type="incident", details={"incidents": incidents,
                                                          "filters": filters})

"""What happened to concerns: one function per audit event.

The only callers of `esafety.audit.events.record` in the concerns app. Actions call these
inside their transaction. The event_type strings are the trail's vocabulary (audit/labels.py).
No excerpt or address ever goes into the trail: it names the concern, its rule and state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.concerns.models import Concern
    from esafety.directory.models import Person, School


def _facts(concern: Concern) -> dict:
    return {"reference": concern.reference, "rule": concern.rule, "source": concern.source,
            "topic": concern.topic, "urgent": concern.urgent,
            "person": concern.person_id}


def concern_raised(*, actor: Person | None, concern: Concern) -> AuditEvent:
    return events.record(event_type="concern_raised", actor=actor, obj=concern,
                         school=concern.school, after=_facts(concern))


def concern_viewed(*, actor: Person, concern: Concern) -> AuditEvent:
    return events.record(event_type="concern_viewed", actor=actor, obj=concern,
                         school=concern.school, details={"reference": concern.reference})


def concern_list_viewed(*, actor: Person, school: School, concerns: list[int],
                        filters: dict) -> AuditEvent:
    """The inbox lists who each concern is about: seeing the list is recorded too."""
    return events.record(event_type="concern_list_viewed", actor=actor, school=school,
                         object_type="concern", object_label="Concerns inbox",
                         details={"concerns": concerns, "filters": filters})


def _state(concern: Concern, before: str, reason: str) -> dict:
    return {"before": {"state": before}, "after": {"state": concern.state, "reason": reason},
            "details": {"reference": concern.reference, "rule": concern.rule}}


def concern_seen(*, actor: Person, concern: Concern, before: str) -> AuditEvent:
    return events.record(event_type="concern_seen", actor=actor, obj=concern,
                         school=concern.school, **_state(concern, before, ""))


def concern_no_further_action(*, actor: Person, concern: Concern, before: str,
                              reason: str) -> AuditEvent:
    return events.record(event_type="concern_no_further_action", actor=actor, obj=concern,
                         school=concern.school, **_state(concern, before, reason))


def concern_false_positive(*, actor: Person, concern: Concern, before: str,
                           reason: str) -> AuditEvent:
    """Counted per rule on the inbox, so a rule that keeps misfiring is seen and changed."""
    return events.record(event_type="concern_false_positive", actor=actor, obj=concern,
                         school=concern.school, **_state(concern, before, reason))


def concern_escalated(*, actor: Person, concern: Concern, before: str,
                      incident_reference: str, sha256: str) -> AuditEvent:
    return events.record(event_type="concern_escalated", actor=actor, obj=concern,
                         school=concern.school, before={"state": before},
                         after={"state": concern.state, "incident": incident_reference},
                         details={"reference": concern.reference, "evidence_sha256": sha256})


def concern_email_sent(*, concern: Concern | None, school: School, kind: str,
                       to: list[str]) -> AuditEvent:
    return events.record(event_type="concern_email_sent", school=school, obj=concern,
                         object_type="concern",
                         object_label=concern.reference if concern else "Daily summary",
                         details={"email": kind, "to": to})


def concern_email_failed(*, concern: Concern | None, school: School, kind: str,
                         to: list[str], error: str) -> AuditEvent:
    """Never silent: the IT manager's email problems page lists these."""
    return events.record(event_type="concern_email_failed", school=school, obj=concern,
                         object_type="concern",
                         object_label=concern.reference if concern else "Daily summary",
                         details={"email": kind, "to": to, "error": error})

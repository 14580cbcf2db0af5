"""What happened to policies and agreements: one function per audit event.

The only callers of `esafety.audit.events.record` for policies. Actions call these inside
their transaction. The event_type strings are the trail's vocabulary (audit/labels.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person
    from esafety.policies.models import Acceptance, PolicyDocument, PolicyVersion


def policy_created(*, actor: Person | None, document: PolicyDocument,
                   after: dict) -> AuditEvent:
    return events.record(event_type="policy_created", actor=actor, obj=document,
                         school=document.school, after=after)


def policy_published(*, actor: Person | None, version: PolicyVersion, before: dict | None,
                     after: dict) -> AuditEvent:
    document = version.document
    return events.record(event_type="policy_published", actor=actor, obj=version,
                         school=document.school, before=before, after=after,
                         details={"audience": document.audience})


def aup_answered(*, actor: Person | None, answer: Acceptance, details: dict,
                 after: dict | None = None) -> AuditEvent:
    """Someone accepted or declined an agreement: `aup_accepted` or `aup_declined`."""
    person, decision = answer.person, answer.decision
    return events.record(event_type=f"aup_{decision}", actor=actor, obj=answer,
                         school=person.school,
                         object_label=f"{person.display_name}: {answer.version}",
                         after=after, details=details)


def aup_cosigned(*, actor: Person, acceptance: Acceptance, before: dict,
                 after: dict) -> AuditEvent:
    """A parent co-signed their child's agreement (002)."""
    return events.record(event_type="aup_cosigned", actor=actor, obj=acceptance,
                         school=actor.school,
                         object_label=f"{acceptance.person.display_name}: {acceptance.version}",
                         before=before, after=after)

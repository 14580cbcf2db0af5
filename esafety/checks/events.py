"""What happened to message-check settings: one function per audit event.

The only callers of `esafety.audit.events.record` in the checks app. Actions call these
inside their transaction. The event_type strings are the trail's vocabulary (audit/labels.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.checks.models import ApprovedRecipient, Correspondent
    from esafety.directory.models import Person


def approved_recipient_added(*, actor: Person | None, approved: ApprovedRecipient) -> AuditEvent:
    """004 §3.2.3: staff allowed a pupil to email one more address (or domain)."""
    return events.record(event_type="approved_recipient_added", actor=actor, obj=approved,
                         school=approved.pupil.school,
                         after={"pupil": approved.pupil.username, "address": approved.address,
                                "note": approved.note})


def approved_recipient_removed(*, actor: Person | None,
                               approved: ApprovedRecipient) -> AuditEvent:
    """Written before the row goes, so the trail still names it."""
    return events.record(event_type="approved_recipient_removed", actor=actor, obj=approved,
                         school=approved.school,
                         before={"pupil": approved.pupil.username, "address": approved.address})


def correspondent_added(*, actor: Person | None, correspondent: Correspondent) -> AuditEvent:
    return events.record(event_type="correspondent_added", actor=actor, obj=correspondent,
                         school=correspondent.school,
                         after={"address": correspondent.address, "note": correspondent.note})

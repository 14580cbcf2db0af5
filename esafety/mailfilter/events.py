"""What happened to held mail and the mail filter's settings: one function per audit event.

The only callers of `esafety.audit.events.record` in the mail filter. Actions call these
inside their transaction. The event_type strings are the trail's vocabulary
(audit/labels.py): never rename one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person, School
    from esafety.mailfilter.models import GroupApproval, HeldMessage, MailFilterSettings


def _facts(held: HeldMessage) -> dict:
    return {"sender": held.sender, "recipients": held.recipient_count,
            "private": held.private, "status": held.status}


def held_mail_list_viewed(*, actor: Person, school: School, count: int) -> AuditEvent:
    return events.record(event_type="held_mail_list_viewed", actor=actor, school=school,
                         object_type="heldmessage", object_label="Held mail",
                         details={"shown": count})


def held_message_viewed(*, actor: Person, held: HeldMessage, content_shown: bool) -> AuditEvent:
    """Every view of a held message (003 §2.7), and whether its content was shown."""
    return events.record(event_type="held_message_viewed", actor=actor, obj=held,
                         details={**_facts(held), "content_shown": content_shown})


def held_message_released(*, actor: Person, held: HeldMessage, note: str | None = None,
                          delivery: dict | None = None) -> AuditEvent:
    """A reviewer released a held message; `delivery` says what the mail server did for each
    recipient. A release that left some not delivered yet keeps the message held for them
    (status "held", delivery "still_held"), and the next release is another row."""
    details: dict = {"note": held.decision_note if note is None else note}
    if delivery is not None:
        details["delivery"] = delivery
    return events.record(event_type="held_message_released", actor=actor, obj=held,
                         after=_facts(held), details=details)


def held_message_returned(*, actor: Person, held: HeldMessage) -> AuditEvent:
    return events.record(event_type="held_message_returned", actor=actor, obj=held,
                         after=_facts(held), details={"note": held.decision_note})


def held_message_deleted(*, actor: Person, held: HeldMessage) -> AuditEvent:
    return events.record(event_type="held_message_deleted", actor=actor, obj=held,
                         after=_facts(held), details={"note": held.decision_note})


def held_message_authorised(*, actor: Person, held: HeldMessage) -> AuditEvent:
    """The headteacher or their nominee authorised reading a private message, with reasons
    (003 §2.6, §2.7)."""
    return events.record(event_type="held_message_authorised", actor=actor, obj=held,
                         after={"reasons": held.authorisation_reasons})


def held_mail_expired(*, school: School, count: int, days: int) -> AuditEvent:
    """The retention job removed held messages past the school's retention."""
    return events.record(event_type="held_mail_expired", actor=None, school=school,
                         object_type="heldmessage", object_label="Held mail",
                         details={"removed": count, "retention_days": days})


def mail_filter_settings_changed(*, actor: Person, config: MailFilterSettings,
                                 before: dict, after: dict) -> AuditEvent:
    return events.record(event_type="mail_filter_settings_changed", actor=actor, obj=config,
                         school=config.school, before=before, after=after)


def group_approval_added(*, actor: Person, approval: GroupApproval) -> AuditEvent:
    """004 §3.2.3: staff allowed a year group or form to email one more address."""
    return events.record(event_type="group_approval_added", actor=actor, obj=approval,
                         school=approval.school,
                         after={"group": approval.group_label, "address": approval.address,
                                "note": approval.note})


def group_approval_removed(*, actor: Person, approval: GroupApproval) -> AuditEvent:
    """Written before the row goes, so the trail still names it."""
    return events.record(event_type="group_approval_removed", actor=actor, obj=approval,
                         school=approval.school,
                         before={"group": approval.group_label, "address": approval.address})

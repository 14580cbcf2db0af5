"""What happened to notices: one function per audit event (the app's only callers of
`esafety.audit.events.record`). Never what a notice says: its kind, who, and the outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person, School
    from esafety.notices.models import Notice


def notice_email_failed(*, school: School | None, kind: str, label: str, to: list[str],
                        error: str) -> AuditEvent:
    """Never silent: the email problems page lists these for the IT manager."""
    return events.record(event_type="notice_email_failed", school=school,
                         object_type="notice", object_label=label[:300],
                         details={"email": label, "kind": kind, "to": to, "error": error})


def notice_acknowledged(*, actor: Person, notice: Notice) -> AuditEvent:
    return events.record(event_type="notice_acknowledged", actor=actor, school=notice.school,
                         obj=notice, object_label=notice.title[:300],
                         details={"kind": notice.kind, "about": notice.about_type,
                                  "about_id": notice.about_id})


def notice_preferences_changed(*, actor: Person, email_routine: bool) -> AuditEvent:
    return events.record(event_type="notice_preferences_changed", actor=actor, obj=actor,
                         object_type="person", after={"email_routine": email_routine})


def urgent_contacts_changed(*, actor: Person, school: School, before: list[str],
                            after: list[str]) -> AuditEvent:
    return events.record(event_type="urgent_contacts_changed", actor=actor, school=school,
                         object_type="school", object_label=str(school),
                         before={"people": before}, after={"people": after})

"""What happened to monitoring copies: one function per audit event.

The only callers of `esafety.audit.events.record` in the mail monitoring app. No excerpt,
address or subject ever goes into the trail: it names the captured message and its rules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person, School
    from esafety.mailmonitor.models import CapturedMessage, ContentAuthorisation


def _facts(captured: CapturedMessage) -> dict:
    return {"rules": [f["rule"] for f in captured.findings], "private": captured.private,
            "sha256": captured.sha256, "whole_message_kept": bool(captured.evidence_file),
            "concerns": captured.concerns}


def captured_message_recorded(*, captured: CapturedMessage) -> AuditEvent:
    return events.record(event_type="captured_message_recorded", actor=None, obj=captured,
                         school=captured.school, after=_facts(captured))


def captured_message_viewed(*, actor: Person, captured: CapturedMessage,
                            content_shown: bool) -> AuditEvent:
    return events.record(event_type="captured_message_viewed", actor=actor, obj=captured,
                         school=captured.school,
                         details={"content_shown": content_shown, "private": captured.private})


def captured_mail_list_viewed(*, actor: Person, school: School,
                              captured: list[int]) -> AuditEvent:
    return events.record(event_type="captured_mail_list_viewed", actor=actor, school=school,
                         object_type="capturedmessage", object_label="Captured mail",
                         details={"captured": captured})


def captured_content_authorised(*, actor: Person,
                                authorisation: ContentAuthorisation) -> AuditEvent:
    return events.record(event_type="captured_content_authorised", actor=actor,
                         obj=authorisation.captured, school=authorisation.captured.school,
                         details={"reasons": authorisation.reasons,
                                  "authorisation": authorisation.pk})


def mail_monitor_settings_changed(*, actor: Person, school: School, before: dict,
                                  after: dict) -> AuditEvent:
    return events.record(event_type="mail_monitor_settings_changed", actor=actor,
                         school=school, object_type="monitorsettings",
                         object_label="Mail monitoring settings", before=before, after=after)


def captured_mail_expired(*, school: School, deleted: int, files: int,
                          retention_days: int) -> AuditEvent:
    return events.record(event_type="captured_mail_expired", actor=None, school=school,
                         object_type="capturedmessage", object_label="Captured mail",
                         details={"deleted": deleted, "files": files,
                                  "retention_days": retention_days})

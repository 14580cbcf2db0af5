"""What happened in web filtering: one function per kind of audit event.

These are the only callers of `esafety.audit.events.record` for filtering. Call them inside
the action's transaction, so the audit row commits or rolls back with the change it
describes.
"""

from __future__ import annotations

from typing import Any

from esafety.audit import events as audit
from esafety.audit.models import AuditEvent
from esafety.directory.models import Person, School
from esafety.filtering.models import (
    Category,
    FilteringAlert,
    FilteringSettings,
    GroupRule,
    GroupSetting,
    InternetSuspension,
    ListImport,
    SchoolEntry,
    UnblockRequest,
    WrongBlockReport,
)

Actor = Person | None

snapshot = audit.snapshot


def lists_imported(*, actor: Actor, school: School, record: ListImport, source: str,
                   details: dict[str, Any]) -> AuditEvent:
    return audit.record(event_type="filtering_lists_imported", actor=actor, school=school,
                        obj=record, object_label=f"Lists from {source}"[:300], details=details)


def settings_changed(*, actor: Actor, school: School, config: FilteringSettings,
                     before: dict, after: dict) -> AuditEvent:
    return audit.record(event_type="filtering_settings_changed", actor=actor, school=school,
                        obj=config, before=before, after=after)


def staff_social_networks_changed(*, actor: Actor, school: School, config: FilteringSettings,
                                  before: dict, choice: str) -> AuditEvent:
    return audit.record(event_type="filtering_staff_social_networks_changed", actor=actor,
                        school=school, obj=config,
                        object_label="Staff and personal social networks", before=before,
                        after={"staff_social_networks": choice})


def category_changed(*, actor: Actor, category: Category, before: dict,
                     after: dict) -> AuditEvent:
    return audit.record(event_type="filtering_category_changed", actor=actor, obj=category,
                        before=before, after=after)


def rule_changed(*, actor: Actor, school: School, rule: GroupRule, label: str,
                 before: dict, action: str) -> AuditEvent:
    return audit.record(event_type="filtering_rule_changed", actor=actor, school=school,
                        obj=rule, object_label=label, before=before, after={"action": action})


def group_changed(*, actor: Actor, school: School, setting: GroupSetting, label: str,
                  before: dict, after: dict) -> AuditEvent:
    return audit.record(event_type="filtering_group_changed", actor=actor, school=school,
                        obj=setting, object_label=label, before=before, after=after)


def working_time_changed(*, actor: Actor, school: School, before: dict,
                         after: dict) -> AuditEvent:
    return audit.record(event_type="filtering_working_time_changed", actor=actor,
                        school=school, object_type="workingtime",
                        object_label="Working time", before=before, after=after)


def entry_added(*, actor: Actor, school: School, entry: SchoolEntry) -> AuditEvent:
    return audit.record(event_type="filtering_entry_added", actor=actor, school=school,
                        obj=entry, after={"kind": entry.kind, "host": entry.host,
                                          "note": entry.note})


def entry_removed(*, actor: Actor, school: School, entry: SchoolEntry) -> AuditEvent:
    return audit.record(event_type="filtering_entry_removed", actor=actor, school=school,
                        obj=entry, before={"kind": entry.kind, "host": entry.host})


def unblock_requested(*, actor: Actor, request: UnblockRequest, after: dict) -> AuditEvent:
    return audit.record(event_type="unblock_requested", actor=actor, obj=request, after=after)


def unblock_approved(*, actor: Actor, request: UnblockRequest, before: dict, after: dict,
                     details: dict) -> AuditEvent:
    return audit.record(event_type="unblock_approved", actor=actor, obj=request,
                        before=before, after=after, details=details)


def unblock_refused(*, actor: Actor, request: UnblockRequest, before: dict, after: dict,
                    details: dict) -> AuditEvent:
    return audit.record(event_type="unblock_refused", actor=actor, obj=request,
                        before=before, after=after, details=details)


def unblock_ended_early(*, actor: Actor, request: UnblockRequest, before: dict, after: dict,
                        note: str) -> AuditEvent:
    return audit.record(event_type="unblock_ended_early", actor=actor, obj=request,
                        before=before, after=after, details={"note": note})


def unblock_withdrawn(*, actor: Actor, request: UnblockRequest, before: dict,
                      after: dict) -> AuditEvent:
    return audit.record(event_type="unblock_withdrawn", actor=actor, obj=request,
                        before=before, after=after)


def internet_suspended(*, actor: Actor, suspension: InternetSuspension) -> AuditEvent:
    return audit.record(event_type="internet_suspended", actor=actor, obj=suspension,
                        object_label=f"Internet access of {suspension.pupil.display_name}",
                        after={"pupil": suspension.pupil.username,
                               "starts_at": suspension.starts_at.isoformat(),
                               "ends_at": suspension.ends_at.isoformat(),
                               "reason": suspension.reason,
                               "incident": suspension.incident_reference})


def internet_suspension_lifted(*, actor: Actor, suspension: InternetSuspension) -> AuditEvent:
    assert suspension.lifted_at is not None
    return audit.record(event_type="internet_suspension_lifted", actor=actor, obj=suspension,
                        object_label=f"Internet access of {suspension.pupil.display_name}",
                        after={"lifted_at": suspension.lifted_at.isoformat(),
                               "reason": suspension.lift_reason,
                               "incident": suspension.incident_reference})


def wrong_block_reported(*, actor: Actor, report: WrongBlockReport) -> AuditEvent:
    return audit.record(event_type="wrong_block_reported", actor=actor, obj=report,
                        object_label=f"Wrong block report: {report.host}",
                        after={"url": report.url, "category": report.category,
                               "comment": report.comment})


def wrong_block_resolved(*, actor: Actor, report: WrongBlockReport) -> AuditEvent:
    return audit.record(event_type="wrong_block_resolved", actor=actor, obj=report,
                        after={"status": report.status, "note": report.resolution_note})


def alert_raised(*, school: School, alert: FilteringAlert, label: str) -> AuditEvent:
    return audit.record(event_type="filtering_alert_raised", actor=None, school=school,
                        obj=alert, object_label=f"Repeated blocked attempts: {label}",
                        details={"person_id": alert.person_id, "category": alert.category,
                                 "attempts": alert.attempts})


def alert_acknowledged(*, actor: Actor, alert: FilteringAlert) -> AuditEvent:
    return audit.record(event_type="filtering_alert_acknowledged", actor=actor, obj=alert,
                        object_label=f"Filtering alert #{alert.pk}")


def person_logs_viewed(*, actor: Actor, person: Person, since: str) -> AuditEvent:
    """Someone looked at one person's filtering log (attempts and search terms)."""
    return audit.record(event_type="filtering_person_logs_viewed", actor=actor,
                        school=person.school, obj=person,
                        object_label=f"Web filtering log of {person.display_name}"[:300],
                        details={"since": since})


def email_failed(*, school: School, subject: str, recipients: list[str],
                 error: str) -> AuditEvent:
    """An alert or wrong-block email that could not be sent: the filtering home and alerts
    pages list these, so someone sends word another way."""
    return audit.record(event_type="filtering_email_failed", actor=None, school=school,
                        object_type="email", object_label=subject[:300],
                        details={"recipients": recipients, "error": error[:500]})

"""What happened to the standards records: one function per audit event (the app's only
callers of `esafety.audit.events.record`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person, School
    from esafety.standards.models import (
        Check,
        FilteringDecision,
        ResponsibleRole,
        Review,
        ReviewAction,
    )


def standards_role_named(*, actor: Person | None, row: ResponsibleRole,
                         before: str) -> AuditEvent:
    return events.record(event_type="standards_role_named", actor=actor, school=row.school,
                         obj=row, before={"holder": before},
                         after={"role": row.role, "holder": row.holder})


def filtering_reason_recorded(*, actor: Person | None, row: FilteringDecision,
                              before: str) -> AuditEvent:
    return events.record(event_type="filtering_reason_recorded", actor=actor,
                         school=row.school, obj=row, before={"reason": before},
                         after={"group": row.group, "category": row.category,
                                "answer": row.answer, "reason": row.reason})


def filtering_reasons_recorded(*, actor: Person | None, school: School,
                               count: int) -> AuditEvent:
    return events.record(event_type="filtering_reasons_recorded", actor=actor, school=school,
                         object_type="filteringdecision",
                         object_label="What is blocked or allowed, and why",
                         details={"count": count})


def filtering_rule_change_noted(*, row: FilteringDecision, before: str) -> AuditEvent:
    return events.record(event_type="filtering_rule_change_noted", school=row.school, obj=row,
                         before={"answer": before},
                         after={"group": row.group, "category": row.category,
                                "answer": row.answer})


def standards_check_recorded(*, actor: Person | None, check: Check) -> AuditEvent:
    return events.record(event_type="standards_check_recorded", actor=actor,
                         school=check.school, obj=check,
                         after={"kind": check.kind, "passed": check.passed,
                                "result": check.result[:500]})


def standards_review_recorded(*, actor: Person, review: Review) -> AuditEvent:
    return events.record(event_type="standards_review_recorded", actor=actor,
                         school=review.school, obj=review,
                         after={"held_on": review.held_on.isoformat(),
                                "findings": review.findings[:500]})


def standards_action_added(*, actor: Person, action: ReviewAction) -> AuditEvent:
    return events.record(event_type="standards_action_added", actor=actor,
                         school=action.review.school, obj=action,
                         after={"what": action.what, "owner": action.owner.display_name,
                                "due_on": action.due_on.isoformat()})


def standards_action_done(*, actor: Person, action: ReviewAction) -> AuditEvent:
    return events.record(event_type="standards_action_done", actor=actor,
                         school=action.review.school, obj=action,
                         before={"done_on": None},
                         after={"done_on": action.done_on.isoformat() if action.done_on else None,
                                "note": action.done_note})


def standards_exported(*, actor: Person, school: School, which: str, rows: int) -> AuditEvent:
    return events.record(event_type="standards_exported", actor=actor, school=school,
                         object_type="standards", object_label=f"DfE standards: {which}",
                         details={"which": which, "rows": rows})

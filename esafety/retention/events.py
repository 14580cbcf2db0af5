"""The retention app's audit events: the schedule, each dry run, confirmation and purge, and
every subject-access bundle."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit.events import record

if TYPE_CHECKING:
    from esafety.audit.models import AuditEvent
    from esafety.directory.models import Person, School
    from esafety.retention.models import PurgeRun


def retention_set(*, actor: Person | None, school: School, record_type: str, before: int,
                  after: int) -> AuditEvent:
    """The school changed how long it keeps one type of record."""
    return record(event_type="retention_set", actor=actor, school=school,
                  object_type="retentionsetting", object_label=record_type,
                  before={"days": before}, after={"days": after})


def retention_dry_run(*, actor: Person | None, run: PurgeRun) -> AuditEvent:
    """What the schedule would remove now, counted (nothing removed yet)."""
    return record(event_type="retention_dry_run", actor=actor, school=run.school, obj=run,
                  details={"plan": run.plan})


def retention_confirmed(*, actor: Person, run: PurgeRun) -> AuditEvent:
    return record(event_type="retention_confirmed", actor=actor, school=run.school, obj=run,
                  details={"plan": run.plan})


def retention_cancelled(*, actor: Person | None, run: PurgeRun) -> AuditEvent:
    return record(event_type="retention_cancelled", actor=actor, school=run.school, obj=run)


def records_purged(*, actor: Person | None, run: PurgeRun, record_type: str, cutoff: str,
                   purged: int, skipped: int) -> AuditEvent:
    """One record type purged under a confirmed run (one event per type)."""
    return record(event_type="records_purged", actor=actor, school=run.school, obj=run,
                  object_label=record_type,
                  details={"record_type": record_type, "cutoff": cutoff, "purged": purged,
                           "left_altered": skipped})


def subject_access_previewed(*, actor: Person | None, subject: Person) -> AuditEvent:
    """Someone looked at what a subject-access bundle would hold (and what it redacts)."""
    return record(event_type="subject_access_previewed", actor=actor, school=subject.school,
                  obj=subject)


def subject_access_exported(*, actor: Person | None, subject: Person, sections: dict,
                            redacted: int) -> AuditEvent:
    """A subject-access bundle was made, the redactions confirmed by `actor`."""
    return record(event_type="subject_access_exported", actor=actor, school=subject.school,
                  obj=subject, details={"sections": sections, "redacted_names": redacted})


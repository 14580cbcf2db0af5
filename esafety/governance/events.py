"""The governors' pack's audit events."""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit.events import record

if TYPE_CHECKING:
    import datetime

    from esafety.audit.models import AuditEvent
    from esafety.directory.models import Person, School


def governors_pack_downloaded(*, actor: Person, school: School, start: datetime.date,
                              end: datetime.date) -> AuditEvent:
    """Someone downloaded the termly governors' pack (counts only)."""
    return record(event_type="governors_pack_downloaded", actor=actor, school=school,
                  object_type="school", object_label="Governors' pack",
                  details={"start": start.isoformat(), "end": end.isoformat()})

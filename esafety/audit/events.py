"""The audit trail's writer, `record()`, and the audit app's own events.

Each app's `events.py` has one typed function per kind of event and is the only caller
of `record()` (tests/test_audit_writers.py fails otherwise), so the vocabulary stays
greppable. Call them inside the action's transaction: the audit row commits or rolls back
with the change it describes. Every row joins the trail's keyed hash chain (chain.py).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models

from esafety.audit import chain
from esafety.audit.models import AuditEvent

if TYPE_CHECKING:
    from esafety.directory.models import Person, School


def snapshot(instance: models.Model, fields: list[str]) -> dict:
    """A JSON-safe picture of some fields of a record, for `before` and `after`."""
    data = {}
    for name in fields:
        value = getattr(instance, name)
        if isinstance(value, models.Model):
            value = str(value)
        elif hasattr(value, "isoformat"):
            value = value.isoformat()
        elif value is not None and not isinstance(value, (str, int, float, bool, list, dict)):
            value = str(value)
        data[name] = value
    return data


def record(*, event_type: str, actor: Person | None = None, school: School | None = None, obj=None, object_type: str = "",
           object_label: str = "", before: dict | None = None, after: dict | None = None,
           details: dict | None = None) -> AuditEvent:
    """Append one event. `obj` fills in type, id and label unless given."""
    if obj is not None:
        object_type = object_type or obj._meta.model_name
        object_label = object_label or str(obj)[:300]
    if school is None:
        school = getattr(obj, "school", None) or getattr(actor, "school", None)
    return chain.append(AuditEvent(
        event_type=event_type,
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=(actor.display_name if actor is not None and hasattr(actor, "display_name") else str(actor or "system"))[:200],
        school=school,
        object_type=object_type,
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        object_label=object_label,
        before=before,
        after=after,
        details=details or {},
    ))


def history_checked(*, actor: Person | None, school: School, all_in_order: bool, problems: int) -> AuditEvent:
    """Someone asked for the incident log's and the trail's histories to be checked."""
    return record(event_type="history_checked", actor=actor, school=school,
                  object_type="integritycheck", object_label="History check",
                  details={"all_in_order": all_in_order, "problems": problems})


def audit_trail_exported(*, actor: Person, school: School | None, rows: int,
                         filters: dict[str, str]) -> AuditEvent:
    """Someone downloaded (their view of) the school's audit trail as a spreadsheet."""
    return record(event_type="audit_trail_exported", actor=actor, school=school,
                  object_type="auditevent", object_label="Audit trail",
                  details={"rows": rows, "filters": filters})

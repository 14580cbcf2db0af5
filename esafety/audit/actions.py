"""The audit app's one action: recording that someone downloaded the trail.

Reading the trail on its page writes nothing; a download takes a copy out of esafety, so
it is a disclosure and goes on the trail itself (the only write on that GET).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from esafety.audit import events

if TYPE_CHECKING:
    from esafety.directory.models import Person


def audit_trail_exported(*, actor: Person, rows: int, filters: dict[str, str]) -> None:
    events.audit_trail_exported(actor=actor, school=actor.school, rows=rows,
                                filters={k: v for k, v in filters.items() if v})

"""Reading concerns is recorded: who looked at which, and when (GET never writes else)."""

from __future__ import annotations

from esafety.concerns import events
from esafety.concerns.models import Concern
from esafety.directory.models import Person, School


def concern_viewed(*, actor: Person, concern: Concern) -> None:
    events.concern_viewed(actor=actor, concern=concern)


def concern_list_viewed(*, actor: Person, school: School, concerns: list[Concern],
                        filters: dict[str, str]) -> None:
    events.concern_list_viewed(actor=actor, school=school, concerns=[c.pk for c in concerns],
                               filters={k: v for k, v in filters.items() if v})

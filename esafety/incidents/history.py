"""Appending to an incident's history: the one writer of IncidentEvent rows.

Every action appends inside its own transaction, so the event commits or rolls back with
the change it describes. Each event seals the incident's whole current state and moves the
sealed head on; chain.py checks both later.
"""

from __future__ import annotations

import datetime
from contextlib import contextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from esafety.errors import InvalidInput
from esafety.incidents.models import (
    GENESIS_HASH,
    Incident,
    IncidentChainHead,
    IncidentEvent,
    chained_state,
    head_problem,
    move_head,
    state_seal,
)

if TYPE_CHECKING:
    from collections.abc import Iterator

    from esafety.directory.models import Person

# When records are being brought in from the past (the demo's term, or an import from a
# school's old spreadsheet), the actions take "now" from here instead of the real clock.
_clock: ContextVar[datetime.datetime | None] = ContextVar("incident_clock", default=None)


def now() -> datetime.datetime:
    return _clock.get() or timezone.now()


@contextmanager
def recorded_at(moment: datetime.datetime) -> Iterator[None]:
    """Run actions as if at `moment` (historic records); never later than the real clock."""
    if moment > timezone.now():
        raise InvalidInput("records cannot be dated in the future", code="future-date")
    token = _clock.set(moment)
    try:
        yield
    finally:
        _clock.reset(token)


def lock(incident: Incident) -> Incident:
    """The incident, locked for this transaction: its events are appended one at a time."""
    # of=self: PostgreSQL cannot lock the nullable side of the subject_staff join.
    return (Incident.objects.select_for_update(of=("self",))
            .select_related("school", "subject_staff").get(pk=incident.pk))


def append(incident: Incident, *, actor: Person | None, kind: str,
           data: dict[str, Any] | None = None, state: bool = False) -> IncidentEvent:
    """Append one event to the incident's chain. Call inside the action's transaction."""
    last = (IncidentEvent.objects.filter(incident=incident).order_by("-seq")
            .values("seq", "hash").first())
    data = dict(data or {})
    # The head must name the last event: if events were cut off the end (or the head
    # removed or forged), say so in this event, so moving the head on does not hide it.
    head = (IncidentChainHead.objects.filter(incident_id=incident.pk)
            .values("seq", "hash", "seal").first())
    problem = head_problem(incident.pk, head, (last["seq"], last["hash"]) if last else None)
    if problem:
        data["head_problem"] = problem
    # The whole sealed state (the incident and every row of the log that hangs off it), read
    # from the database, so whatever this action changed is sealed with it.
    current = chained_state(incident)
    if state:
        data["state"] = current["incident"]
    # Every event seals the incident's current details, so a change made to them directly
    # in the database no longer matches the chain's last seal.
    data["state_sha256"] = state_seal(current)
    event = IncidentEvent(
        incident=incident, seq=(last["seq"] + 1) if last else 1, at=now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_label=getattr(actor, "display_name", None) or str(actor or "system"),
        kind=kind, data=data, prev_hash=last["hash"] if last else GENESIS_HASH)
    event.hash = event.compute_hash()
    event.save()
    # Where the history now ends, sealed with the key: events cut off the end are found.
    move_head(IncidentChainHead, incident.pk, event.seq, event.hash)
    return event

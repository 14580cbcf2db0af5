"""The audit trail as one hash chain, keyed with the chain key (esafety/keys.py).

Each event records its place (`seq`), the previous event's hash and its own
HMAC-SHA256 over both. Appends are serialised by the chain's head row: every append
first moves the head on (an UPDATE, which waits for any other writer's lock on PostgreSQL
and takes SQLite's write lock), so two writers can never take the same place or fork the
chain. The head carries a keyed seal too, so cutting events off the end is found.
"""

import datetime
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from esafety import keys
from esafety.audit.models import AuditChainHead, AuditEvent

GENESIS_HASH = "0" * 64
HEAD = 1  # the head row's primary key

CHAINED = ["seq", "at", "school_id", "actor_id", "actor_label", "event_type", "object_type",
           "object_id", "object_label", "before", "after", "details"]


def _utc(moment: datetime.datetime) -> str:
    return moment.astimezone(datetime.UTC).isoformat()


def canonical(values: dict) -> str:
    """The text an event's hash covers: every field it was recorded with."""
    plain = dict(values)
    plain["at"] = _utc(plain["at"])
    return json.dumps(plain, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def event_hash(prev_hash: str, values: dict) -> str:
    return keys.seal(prev_hash + canonical(values))


def head_seal(seq: int, hash_: str, rebuilt_at) -> str:
    rebuilt = _utc(rebuilt_at) if rebuilt_at else ""
    return keys.seal(f"audit-head|{seq}|{hash_}|{rebuilt}")


def as_stored(value):
    """A JSON value as the database will hand it back (tuples become lists, keys strings)."""
    if value is None:
        return None
    return json.loads(json.dumps(value, default=str))


def append(event: AuditEvent) -> AuditEvent:
    """Give `event` its place in the chain and insert it. Joins the caller's transaction."""
    with transaction.atomic():
        seq, prev_hash, rebuilt_at = _move_head()
        event.seq = seq
        event.prev_hash = prev_hash
        event.at = timezone.now()  # once it has its place, so the trail's times never go back
        event.before = as_stored(event.before)
        event.after = as_stored(event.after)
        event.details = as_stored(event.details) or {}
        event.hash = event_hash(prev_hash, {name: getattr(event, name) for name in CHAINED})
        event.save(force_insert=True)
        AuditChainHead.objects.filter(pk=HEAD).update(
            hash=event.hash, seal=head_seal(seq, event.hash, rebuilt_at))
    return event


def _move_head() -> tuple[int, str, datetime.datetime | None]:
    """Lock the head by moving it on one place; return (new seq, previous hash, rebuilt_at)."""
    if not AuditChainHead.objects.filter(pk=HEAD).update(seq=F("seq") + 1):
        _make_head()
        AuditChainHead.objects.filter(pk=HEAD).update(seq=F("seq") + 1)
    head = AuditChainHead.objects.values("seq", "hash", "rebuilt_at").get(pk=HEAD)
    return head["seq"], head["hash"], head["rebuilt_at"]


def _make_head() -> None:
    # A new database, or one emptied between tests. If events exist the head was removed:
    # make it again from the last event so the trail keeps working, and say so for ever.
    last = AuditEvent.objects.order_by("-seq").values("seq", "hash").first()
    rebuilt_at = timezone.now() if last else None
    seq, hash_ = (last["seq"], last["hash"]) if last else (0, GENESIS_HASH)
    try:
        with transaction.atomic():
            AuditChainHead.objects.create(pk=HEAD, seq=seq, hash=hash_, rebuilt_at=rebuilt_at,
                                          seal=head_seal(seq, hash_, rebuilt_at))
    except IntegrityError:
        pass  # another writer made it first


@dataclass
class TrailCheck:
    events: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_trail() -> TrailCheck:
    """Recompute the whole chain: every hash, every link, no gaps, and the head's seal."""
    check = TrailCheck()
    # The head first: events that commit while we read are after it and not checked yet.
    head = AuditChainHead.objects.filter(pk=HEAD).values("seq", "hash", "rebuilt_at",
                                                         "seal").first()
    limit = head["seq"] if head else None
    prev_hash, expected, last = GENESIS_HASH, 1, None
    rows = AuditEvent.objects.order_by("seq")
    if limit is not None:
        rows = rows.filter(seq__lte=limit)
    for values in rows.values(*CHAINED, "prev_hash", "hash").iterator(chunk_size=2000):
        check.events += 1
        seq = values["seq"]
        if seq != expected:
            missing = f"{expected}" if seq == expected + 1 else f"{expected} to {seq - 1}"
            check.problems.append(f"audit trail: event{'s' if seq > expected + 1 else ''} "
                                  f"{missing} {'are' if seq > expected + 1 else 'is'} missing")
        if values["prev_hash"] != prev_hash and seq == expected:
            check.problems.append(f"audit trail: event {seq} does not follow the one before it")
        stored, recorded_prev = values.pop("hash"), values.pop("prev_hash")
        if event_hash(recorded_prev, values) != stored and not _purged(values, recorded_prev,
                                                                        stored):
            check.problems.append(f"audit trail: event {seq} was altered")
        prev_hash, expected, last = stored, seq + 1, (seq, stored)
    check.problems.extend(_head_problems(head, last))
    altered = sum(p.startswith("audit trail: event ") and p.endswith(" was altered")
                  for p in check.problems)
    if check.events and altered >= check.events:
        check.problems.insert(0, KEY_HINT)
    return check


def _purged(values: dict, prev_hash: str, hash_: str) -> bool:
    """An event emptied under the school's retention schedule keeps its place and hash under
    a keyed purge seal (esafety/retention/sealing.py explains why a purge seals, not deletes)."""
    from esafety.retention.sealing import audit_row_sealed

    return audit_row_sealed(values, prev_hash, hash_)


KEY_HINT = ("audit trail: no record matches the chain key; if the key (ESAFETY_CHAIN_KEY, or "
            "chain_key in the data folder) was changed or lost, restore it from your backup")


def _head_problems(head: Mapping[str, Any] | None, last: tuple[int, str] | None) -> list[str]:
    if head is None:
        return ["audit trail: the record of where it ends is missing"] if last else []
    problems = []
    if head["seal"] != head_seal(head["seq"], head["hash"], head["rebuilt_at"]):
        problems.append("audit trail: the record of where it ends was altered")
    elif head["rebuilt_at"] is not None:
        when = timezone.localtime(head["rebuilt_at"]).strftime("%d %B %Y %H:%M")
        problems.append(f"audit trail: the record of where it ends went missing and was made "
                        f"again on {when}; events after that point may have been removed")
    if last is None:
        if head["seq"]:
            problems.append(f"audit trail: all {head['seq']} events are missing")
    elif (head["seq"], head["hash"]) != last:
        problems.append(f"audit trail: it should end at event {head['seq']} but ends at "
                        f"event {last[0]}: the last events were removed")
    return problems

"""Purging by sealing: how a record past its retention is emptied without breaking a chain.

The audit trail and every incident's history are hash chains keyed with the chain key
(audit/chain.py, incidents/chain.py): each row's hash covers its content and the row before.
Deleting an old row would leave a gap that verification must (rightly) report as tampering,
and rewriting the chain from that point on would mean re-signing history: exactly what the
chain exists to make impossible. So a purge keeps every row, its place, its own hash and the
link to the row before, and removes only the personal content. In its place it records:

- `content_sha256`: the SHA-256 of the canonical text that was removed (so anyone who kept a
  copy can show it was exactly that content, and nothing else, that went);
- `purge_seal`: a keyed seal (the chain key) over the row as it is left (its kept fields, the
  marker) together with its recorded hash and the hash before it.

Verification then accepts a row whose hash no longer recomputes only if its purge seal does:
nobody without the key can make a row look purged, a purged row changed afterwards fails its
seal, and the links between rows still prove nothing was removed or reordered.

A row is sealed only after its hash has been checked: sealing a row that was already altered
would launder the change, so such rows are left as they are (verification keeps reporting
them) and the purge says so.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

from esafety import keys

PURGE_SEAL = "purge_seal"
MARKER = "purged"
REMOVED = "(removed under the school's retention schedule)"


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False,
                      default=str)


def content_sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- the audit trail ------------------------------------------------------------------------

# Kept when an audit event is purged: when, where, who (by id), what kind of thing happened
# and to which record (by id). Removed: names, labels and the before/after/details content.
AUDIT_KEPT = ("seq", "at", "school_id", "actor_id", "event_type", "object_type", "object_id")


def audit_redacted(values: dict, *, purged_at: str) -> dict:
    """The chained fields of an audit event as a purge leaves them (without the seal yet)."""
    from esafety.audit.chain import canonical

    removed = content_sha256(canonical(values))
    redacted = {name: values[name] for name in AUDIT_KEPT}
    redacted.update(actor_label="", object_label="", before=None, after=None,
                    details={MARKER: {"content_sha256": removed, "purged_at": purged_at}})
    return redacted


def audit_seal(values: dict, prev_hash: str, hash_: str) -> str:
    from esafety.audit.chain import canonical

    details = {k: v for k, v in (values.get("details") or {}).items() if k != PURGE_SEAL}
    return keys.seal(f"audit-purged|{prev_hash}|{hash_}|"
                     f"{canonical({**values, 'details': details})}")


def audit_row_sealed(values: dict, prev_hash: str, hash_: str) -> bool:
    """Whether an audit event whose hash no longer recomputes was purged by esafety (its
    purge seal matches what is left of it, keyed with the chain key)."""
    details = values.get("details")
    if not isinstance(details, dict) or MARKER not in details or PURGE_SEAL not in details:
        return False
    if values.get("before") is not None or values.get("after") is not None:
        return False
    return hmac.compare_digest(str(details[PURGE_SEAL]), audit_seal(values, prev_hash, hash_))


# --- an incident's history ------------------------------------------------------------------

# Kept in an incident event's data when it is purged: the links verification needs (which
# evidence item, its recorded hash, the state seal the event recorded).
EVENT_DATA_KEPT = ("evidence", "sha256", "state_sha256")


def event_redacted_data(event, *, purged_at: str) -> dict:
    data = event.data if isinstance(event.data, dict) else {}
    kept = {k: data[k] for k in EVENT_DATA_KEPT if k in data}
    return {**kept, MARKER: {"content_sha256": content_sha256(event.canonical()),
                             "purged_at": purged_at}}


def event_seal(event, data: dict) -> str:
    from esafety.incidents.models import event_canonical

    plain = {k: v for k, v in data.items() if k != PURGE_SEAL}
    text = event_canonical(incident_id=event.incident_id, seq=event.seq, at=event.at,
                           actor_id=event.actor_id, actor_label=event.actor_label,
                           kind=event.kind, data=plain)
    return keys.seal(f"incident-purged|{event.prev_hash}|{event.hash}|{text}")


def event_sealed(event) -> bool:
    """Whether an incident event whose hash no longer recomputes was purged by esafety."""
    data = event.data
    if not isinstance(data, dict) or MARKER not in data or PURGE_SEAL not in data:
        return False
    return hmac.compare_digest(str(data[PURGE_SEAL]), event_seal(event, data))

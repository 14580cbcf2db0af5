"""Purging the hash-chained records by sealing them (sealing.py says why), through the one
narrow path past the append-only guards.

The database triggers (audit/guards.py) refuse every UPDATE of a history row. A purge must
empty old rows in place, so `history_unguarded` lifts the guard on one table for the length
of the purge's own transaction and puts it back before that transaction commits. On both
SQLite and PostgreSQL triggers are part of the transaction: on PostgreSQL DROP TRIGGER holds
the table's exclusive lock until commit, and on SQLite the transaction holds the database's
write lock, so no other connection can write (or change) a row while the guard is down; if anything fails, the rollback puts the trigger back. Nothing else
in esafety calls it, and every purge is recorded in the audit trail (events.py). Rows changed
this way without the chain key still fail verification.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from typing import TYPE_CHECKING

from django.db import connection, models, transaction
from django.utils import timezone

from esafety.retention import sealing

if TYPE_CHECKING:
    from esafety.directory.models import Person, School


@contextmanager
def history_unguarded(table: str) -> Iterator[None]:
    """Lift the append-only guard on `table` inside the current transaction only."""
    from esafety.audit import guards

    if not connection.in_atomic_block:
        raise RuntimeError("a purge lifts a guard only inside its own transaction")
    guards.remove(connection, {table})
    yield  # on an error the transaction rolls back, and the dropped trigger with it
    guards.install(connection, {table})


# --- the audit trail ------------------------------------------------------------------------

def audit_purgeable(school: School, cutoff: datetime.datetime):
    from esafety.audit.models import AuditEvent

    return (AuditEvent.objects.filter(school=school, at__lt=cutoff)
            .exclude(details__has_key=sealing.PURGE_SEAL))


def audit_count(school: School, cutoff: datetime.datetime) -> int:
    return audit_purgeable(school, cutoff).count()


def audit_purge(school: School, cutoff: datetime.datetime, actor: Person | None) -> int:
    """Empty the school's audit events from before `cutoff`, sealing each (sealing.py)."""
    from esafety.audit.chain import CHAINED

    purged_at = timezone.now().isoformat()
    skipped = purged = 0
    last_seq = 0
    with transaction.atomic(), history_unguarded("audit_auditevent"):
        while True:
            # In pages by place in the chain: years of a school's trail never sit in memory.
            rows = list(audit_purgeable(school, cutoff).filter(seq__gt=last_seq).order_by("seq")
                        .values("pk", *CHAINED, "prev_hash", "hash")[:BATCH])
            if not rows:
                break
            last_seq = rows[-1]["seq"]
            s, p = _seal_audit_rows(rows, purged_at)
            skipped, purged = skipped + s, purged + p
    _skipped["audit"] = skipped
    return purged


BATCH = 2000


def _seal_audit_rows(rows: list[dict], purged_at: str) -> tuple[int, int]:
    from esafety.audit.chain import event_hash
    from esafety.audit.models import AuditEvent

    skipped = purged = 0
    for row in rows:
        pk, prev_hash, hash_ = row.pop("pk"), row.pop("prev_hash"), row.pop("hash")
        if event_hash(prev_hash, row) != hash_:
            skipped += 1  # already altered: sealing it would hide that
            continue
        redacted = sealing.audit_redacted(row, purged_at=purged_at)
        redacted["details"][sealing.PURGE_SEAL] = sealing.audit_seal(redacted, prev_hash,
                                                                    hash_)
        # The model and its queryset refuse updates; this is the purge's own path.
        models.QuerySet.update(
            AuditEvent.objects.filter(pk=pk), actor_label="", object_label="",
            before=None, after=None, details=redacted["details"])
        purged += 1
    return skipped, purged


# Rows that could not be sealed in the last purge of each kind (already altered).
_skipped: dict[str, int] = {}


def skipped(kind: str) -> int:
    return _skipped.pop(kind, 0)


# --- the incident log -----------------------------------------------------------------------

INCIDENT_TEXT = ("summary", "description", "location", "outcome_reasons",
                 "police_override_reason", "designated_computer", "next_action")


# Incidents that are child-protection records (images of a child, grooming, radicalisation)
# follow the safeguarding concerns' period when it is longer (Keeping Children Safe in
# Education: child protection files are kept until the child is 25).
CHILD_PROTECTION_KINDS = frozenset({"sexting", "grooming", "radicalisation"})


def incidents_purgeable(school: School, cutoff: datetime.datetime):
    """Closed incidents closed before `cutoff`, not yet purged. Never an allegation about a
    member of staff (kept until their retirement age or ten years, whichever is longer, as
    KCSIE says; not on this schedule) nor one marked for police referral."""
    from esafety.incidents.chain import PURGE_KIND
    from esafety.incidents.models import Incident
    from esafety.retention import builtin
    from esafety.retention.actions import days_for

    protect = timezone.now() - datetime.timedelta(days=days_for(school, builtin.CONCERNS))
    return (Incident.objects.filter(school=school, closed_at__isnull=False, closed_at__lt=cutoff,
                                    subject_staff__isnull=True, police_referral=False)
            .exclude(events__kind=PURGE_KIND)
            .exclude(kind__in=CHILD_PROTECTION_KINDS, closed_at__gte=protect))


def incidents_count(school: School, cutoff: datetime.datetime) -> int:
    return incidents_purgeable(school, cutoff).count()


def _delete_stored(relative_paths: list[str]) -> None:
    from esafety.incidents.evidence import delete_stored

    for relative in relative_paths:
        delete_stored(relative)


def incidents_purge(school: School, cutoff: datetime.datetime, actor: Person | None) -> int:
    """Empty closed incidents closed before `cutoff`: their free text, their evidence's content
    and files, and the content of their history's events, each event sealed (sealing.py);
    then one "records_purged" event seals the case as the purge left it."""
    from esafety.incidents import history
    from esafety.incidents.chain import PURGE_KIND, verify_incident
    from esafety.incidents.models import (
        Evidence,
        Incident,
        IncidentEvent,
        Involvement,
        Rating,
        Sanction,
        TakedownRequest,
    )

    purged = skipped_ = 0
    purged_at = timezone.now().isoformat()
    with transaction.atomic(), history_unguarded("incidents_incidentevent"):
        for incident in list(incidents_purgeable(school, cutoff).order_by("pk")):
            if not verify_incident(incident).ok:
                skipped_ += 1  # an altered history is left for someone to look at
                continue
            incident = history.lock(incident)
            for event in IncidentEvent.objects.filter(incident=incident).order_by("seq"):
                data = sealing.event_redacted_data(event, purged_at=purged_at)
                data[sealing.PURGE_SEAL] = sealing.event_seal(event, data)
                models.QuerySet.update(IncidentEvent.objects.filter(pk=event.pk), data=data)
            evidence = list(Evidence.objects.filter(incident=incident).order_by("pk"))
            # The files go only once the purge is committed: if anything after this fails
            # and the rows are rolled back, their evidence files must still be there.
            stored = [item.file_path for item in evidence if item.file_path]
            if stored:
                transaction.on_commit(partial(_delete_stored, stored))
            Evidence.objects.filter(incident=incident).update(
                text="", url="", phone="", file_path="", original_name="")
            Sanction.objects.filter(incident=incident).update(reasons=sealing.REMOVED,
                                                              override_reason="",
                                                              enforcement="")
            Evidence.objects.filter(incident=incident).exclude(withdrawn_reason="").update(
                withdrawn_reason=sealing.REMOVED)
            Involvement.objects.filter(incident=incident).exclude(removed_reason="").update(
                removed_reason=sealing.REMOVED)
            Rating.objects.filter(incident=incident).exclude(withdrawn_reason="").update(
                withdrawn_reason=sealing.REMOVED)
            TakedownRequest.objects.filter(incident=incident).update(
                target_name=sealing.REMOVED[:200], url="", notes="")
            Incident.objects.filter(pk=incident.pk).update(
                **{name: "" for name in INCIDENT_TEXT if name != "summary"},
                summary=sealing.REMOVED[:200])
            history.append(incident, actor=actor, kind=PURGE_KIND,
                           data={"evidence_purged": [item.pk for item in evidence],
                                 "cutoff": cutoff.isoformat()})
            purged += 1
    _skipped["incidents"] = skipped_
    return purged

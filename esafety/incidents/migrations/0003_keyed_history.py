"""Key every incident's history with the chain key, and seal everything that matters.

Until now each event's hash was a plain SHA-256 that anyone could recompute, and the seal
covered only some of the incident's fields. From here every event's hash is an
HMAC-SHA256 with the chain key (kept outside the database, esafety/keys.py), and every event
seals the whole case: the incident's own fields and every row that hangs off it.

There are no production installs yet: this is for demo and test databases made before.
For each incident it checks the old chain (hashes, links, last seal) as it was, then
re-keys the hashes of the same events (their contents are not changed) and appends a
"history_keyed" event that seals the whole case and records whether the old chain was
intact, so a history that was already altered stays marked as such (verification reports
it). The update guard is lifted for the re-keying and put back with the REPLACE/upsert
guards (esafety/audit/guards.py).

Later migrations that change what the seal covers for existing rows call
esafety.incidents.chain.reseal_histories (see there).
"""

import hashlib

from django.db import migrations

GENESIS_HASH = "0" * 64
INCIDENT_TABLES = {"incidents_incidentevent", "incidents_incident", "incidents_evidence"}
# What the seal covered before this migration, as it was then.
OLD_CHAINED_FIELDS = ["kind", "status", "summary", "description", "occurred_at", "location",
                      "subject_staff_id", "police_referral", "police_matters",
                      "designated_computer", "outcome", "outcome_reasons",
                      "police_override_reason"]


def _old_state_seal(incident) -> str:
    from esafety.incidents.models import as_utc, canonical_json

    state = {}
    for name in OLD_CHAINED_FIELDS:
        value = getattr(incident, name)
        if hasattr(value, "astimezone"):
            value = as_utc(value)
        state[name] = value
    return hashlib.sha256(canonical_json(state).encode("utf-8")).hexdigest()


def _canonical(event) -> str:
    from esafety.incidents.models import event_canonical

    return event_canonical(incident_id=event.incident_id, seq=event.seq, at=event.at,
                           actor_id=event.actor_id, actor_label=event.actor_label,
                           kind=event.kind, data=event.data)


def key_histories(apps, schema_editor):
    from esafety.audit import guards
    from esafety.incidents.chain import append_migration_event
    from esafety.incidents.models import event_hash

    Incident = apps.get_model("incidents", "Incident")
    IncidentEvent = apps.get_model("incidents", "IncidentEvent")
    guards.remove(schema_editor.connection, INCIDENT_TABLES)
    for incident in Incident.objects.order_by("pk"):
        events = list(IncidentEvent.objects.filter(incident=incident).order_by("seq"))
        intact, prev, last_seal = bool(events), GENESIS_HASH, None
        new_prev = GENESIS_HASH
        for expected, event in enumerate(events, start=1):
            canonical = _canonical(event)
            old = hashlib.sha256((event.prev_hash + canonical).encode("utf-8")).hexdigest()
            if event.seq != expected or event.prev_hash != prev or old != event.hash:
                intact = False
            prev = event.hash
            last_seal = (event.data or {}).get("state_sha256", last_seal)
            new_hash = event_hash(new_prev, canonical)
            IncidentEvent.objects.filter(pk=event.pk).update(prev_hash=new_prev, hash=new_hash)
            new_prev = new_hash
        details_intact = bool(events) and last_seal == _old_state_seal(incident)
        append_migration_event(apps, incident, kind="history_keyed", data={
            "previous_chain_intact": intact, "previous_seal_matched": details_intact})
    guards.install(schema_editor.connection, INCIDENT_TABLES)


class Migration(migrations.Migration):
    dependencies = [("incidents", "0002_append_only_guards")]
    operations = [migrations.RunPython(key_histories, migrations.RunPython.noop)]

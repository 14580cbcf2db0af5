"""Seal the events recorded before the trail was a chain, in the order they were recorded.

There are no production installs yet: this is for demo and test databases made before
the keyed chain. The events' contents are not changed, only given their place and hashes;
the append-only guards are lifted for that and put back (with the REPLACE/upsert guards)
by 0006.
"""

from django.db import migrations

GENESIS_HASH = "0" * 64


def seal(apps, schema_editor):
    from esafety.audit import guards
    from esafety.audit.chain import CHAINED, event_hash, head_seal

    AuditEvent = apps.get_model("audit", "AuditEvent")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    guards.remove(schema_editor.connection, {"audit_auditevent"})
    prev_hash, seq = GENESIS_HASH, 0
    for event in AuditEvent.objects.order_by("id").iterator(chunk_size=2000):
        seq += 1
        event.seq = seq
        event.prev_hash = prev_hash
        event.hash = event_hash(prev_hash, {name: getattr(event, name) for name in CHAINED})
        AuditEvent.objects.filter(pk=event.pk).update(seq=seq, prev_hash=prev_hash,
                                                      hash=event.hash)
        prev_hash = event.hash
    AuditChainHead.objects.create(pk=1, seq=seq, hash=prev_hash,
                                  seal=head_seal(seq, prev_hash, None))


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_keyed_chain")]
    operations = [migrations.RunPython(seal, migrations.RunPython.noop)]

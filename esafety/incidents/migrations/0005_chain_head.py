"""Every incident's history gets a sealed head: where it ends (its last event's place and
hash) under a seal keyed with the chain key, moved on with every event. Until now, cutting
the last events off a history (after dropping the guards) was found only when those events
had changed the case. Existing histories get a head at their current last event
(esafety.incidents.chain.seal_heads). The head's table is guarded like the log
(esafety/audit/guards.py, installed after every migrate).
"""

import django.db.models.deletion
from django.db import migrations, models


def heads(apps, schema_editor):
    from esafety.incidents.chain import seal_heads

    seal_heads(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0004_case_parts'),
    ]

    operations = [
        migrations.CreateModel(
            name='IncidentChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveIntegerField()),
                ('hash', models.CharField(max_length=64)),
                ('seal', models.CharField(max_length=64)),
                ('incident', models.OneToOneField(on_delete=django.db.models.deletion.PROTECT, related_name='chain_head', to='incidents.incident')),
            ],
        ),
        migrations.RunPython(heads, migrations.RunPython.noop),
    ]

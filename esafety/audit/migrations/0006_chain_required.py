"""Every event now has its place in the chain; put the append-only guards back, now also
refusing INSERT OR REPLACE, REPLACE and upserts over existing rows (esafety/audit/guards.py)."""

from django.db import migrations, models


def install_guards(apps, schema_editor):
    from esafety.audit import guards

    guards.install(schema_editor.connection)


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0005_seal_trail'),
    ]

    operations = [
        migrations.AlterField(
            model_name='auditevent',
            name='seq',
            field=models.PositiveBigIntegerField(editable=False, unique=True),
        ),
        migrations.RunPython(install_guards, migrations.RunPython.noop),
    ]

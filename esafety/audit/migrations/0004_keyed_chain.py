"""The audit trail becomes a keyed hash chain: each event gets its place, the hash before
it and its own hash (filled in for existing events by 0005, required from 0006); the
chain's head row; and the record of each history check."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('audit', '0003_append_only_triggers'),
        ('directory', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('seq', models.PositiveBigIntegerField(default=0)),
                ('hash', models.CharField(max_length=64)),
                ('rebuilt_at', models.DateTimeField(blank=True, null=True)),
                ('seal', models.CharField(blank=True, max_length=64)),
            ],
        ),
        migrations.AddField(
            model_name='auditevent',
            name='hash',
            field=models.CharField(default='', editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditevent',
            name='prev_hash',
            field=models.CharField(default='', editable=False, max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name='auditevent',
            name='seq',
            field=models.PositiveBigIntegerField(editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='auditevent',
            name='at',
            field=models.DateTimeField(db_index=True, default=django.utils.timezone.now),
        ),
        migrations.CreateModel(
            name='IntegrityCheck',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('at', models.DateTimeField(db_index=True, default=django.utils.timezone.now)),
                ('how', models.CharField(choices=[('daily', 'Daily check'), ('on_demand', 'Checked on request'), ('command', 'esafety evidence verify')], max_length=16)),
                ('ok', models.BooleanField()),
                ('problems', models.JSONField(blank=True, default=list)),
                ('incidents', models.PositiveIntegerField(default=0)),
                ('incident_events', models.PositiveIntegerField(default=0)),
                ('audit_events', models.PositiveBigIntegerField(default=0)),
                ('seal', models.CharField(blank=True, max_length=64)),
                ('requested_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('school', models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='directory.school')),
            ],
            options={
                'ordering': ['-at', '-id'],
                'indexes': [models.Index(fields=['school', '-at'], name='audit_integ_school__796ed7_idx')],
            },
        ),
    ]

"""People in a case get parts (reporter, target/victim, alleged perpetrator, witness, other).

The old "people involved" list becomes Involvement rows: everyone listed is "other", except
the reporter ("reporter": a pupil who reports about themselves is never the alleged
perpetrator), the member of staff an allegation is about ("alleged") and anyone already
rated or sanctioned in the case, who was treated as the one who misused ("alleged").
Ratings gain a withdrawal (with its reason); sanctions name the rating they rest on and any
headteacher override.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def people_to_parts(apps, schema_editor):
    Incident = apps.get_model("incidents", "Incident")
    Involvement = apps.get_model("incidents", "Involvement")
    Rating = apps.get_model("incidents", "Rating")
    Sanction = apps.get_model("incidents", "Sanction")
    for incident in Incident.objects.all().iterator():
        people = set(incident.people.values_list("pk", flat=True))
        if incident.subject_staff_id:
            people.add(incident.subject_staff_id)
        judged = (set(Rating.objects.filter(incident=incident).values_list("person_id", flat=True))
                  | set(Sanction.objects.filter(incident=incident)
                        .values_list("person_id", flat=True)))
        for person_id in sorted(people):
            if person_id == incident.subject_staff_id:
                part = "alleged"
            elif person_id == incident.reported_by_id:
                part = "reporter"
            elif person_id in judged:
                part = "alleged"
            else:
                part = "other"
            Involvement.objects.create(incident=incident, person_id=person_id, part=part,
                                       added_by_id=incident.reported_by_id,
                                       added_at=incident.reported_at)
        # The rating each sanction rested on: the person's latest rating before it.
        for sanction in Sanction.objects.filter(incident=incident, rating__isnull=True):
            rating = (Rating.objects.filter(incident=incident, person_id=sanction.person_id,
                                            rated_at__lte=sanction.decided_at)
                      .order_by("-rated_at", "-id").first())
            if rating is not None:
                sanction.rating = rating
                sanction.save(update_fields=["rating"])


def reseal(apps, schema_editor):
    # The seal now covers each person's part: every history says so from here on.
    from esafety.incidents.chain import reseal_histories

    reseal_histories(apps, schema_editor)


def parts_to_people(apps, schema_editor):
    Involvement = apps.get_model("incidents", "Involvement")
    for row in Involvement.objects.filter(removed_at__isnull=True).select_related("incident"):
        row.incident.people.add(row.person_id)


class Migration(migrations.Migration):

    dependencies = [
        ('incidents', '0003_keyed_history'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='rating',
            name='withdrawn_at',
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name='rating',
            name='withdrawn_by',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
        ),
        migrations.AddField(
            model_name='rating',
            name='withdrawn_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='sanction',
            name='override_reason',
            field=models.TextField(blank=True),
        ),
        migrations.AddField(
            model_name='sanction',
            name='rating',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='sanctions', to='incidents.rating'),
        ),
        migrations.CreateModel(
            name='Involvement',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('part', models.CharField(choices=[('reporter', 'Reporter'), ('target', 'Target / victim'), ('alleged', 'Alleged perpetrator'), ('witness', 'Witness'), ('other', 'Other')], max_length=16)),
                ('added_at', models.DateTimeField()),
                ('removed_at', models.DateTimeField(blank=True, null=True)),
                ('removed_reason', models.TextField(blank=True)),
                ('added_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('incident', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='involvements', to='incidents.incident')),
                ('person', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='case_parts', to=settings.AUTH_USER_MODEL)),
                ('removed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
            ],
            options={
                'ordering': ['added_at', 'id'],
                'constraints': [models.UniqueConstraint(condition=models.Q(('removed_at__isnull', True)), fields=('incident', 'person'), name='unique_current_involvement')],
            },
        ),
        migrations.RunPython(people_to_parts, parts_to_people),
        migrations.RemoveField(
            model_name='incident',
            name='people',
        ),
        migrations.RunPython(reseal, migrations.RunPython.noop),
    ]

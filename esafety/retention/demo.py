"""Demo retention: the school keeps notices for three years, one incident from eight years
ago is past the schedule, and a dry run waits for the headteacher to confirm it."""

from __future__ import annotations

import datetime

from django.utils import timezone

from esafety.directory import roles
from esafety.directory.models import Person, School
from esafety.incidents import actions as incidents
from esafety.retention import actions, registry


def load_demo_retention(school: School) -> None:
    people = Person.objects.filter(school=school)
    head = people.filter(role=roles.HEADTEACHER).first()
    dsl = people.filter(role=roles.DSL).first()
    pupil = people.filter(role=roles.PUPIL, year_group__gte=7).order_by("pk").first()
    if head is None or dsl is None or pupil is None:
        return
    actions.retention_set(actor=head, school=school, record_type="notices",
                          days=3 * registry.YEAR)
    when = timezone.now() - datetime.timedelta(days=8 * registry.YEAR + 40)
    with incidents.recorded_at(when):
        old = incidents.incident_report(
            actor=dsl, kind="pupil_misuse", via="staff", people=[pupil],
            description="A pupil showed others a violent video on a phone in the library. "
                        "Parents were told and the video was deleted.")
        incidents.investigator_add(actor=dsl, incident=old, person=dsl)
        incidents.investigator_add(actor=dsl, incident=old, person=head)
        incidents.incident_judge(actor=dsl, incident=old, outcome="internal",
                                 reasons="Spoken to; parents told; video deleted.")
        incidents.incident_close(actor=dsl, incident=old)
    actions.purge_prepare(actor=head, school=school)

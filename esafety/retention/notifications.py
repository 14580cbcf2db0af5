"""Telling the head and the DSL that a dry run waits for them (after commit)."""

from __future__ import annotations

from django.urls import reverse

from esafety.directory import permissions
from esafety.directory.models import Person
from esafety.notices import kinds
from esafety.notices import notifications as notices
from esafety.retention.models import PurgeRun

DRY_RUN_WAITING = kinds.RETENTION_DRY_RUN


@notices.never_raises
def dry_run_waiting(run_id: int) -> int:
    run = PurgeRun.objects.select_related("school").filter(pk=run_id).first()
    if run is None or run.state != PurgeRun.PREPARED:
        return 0
    people = Person.objects.current().filter(
        school=run.school, role__in=permissions.roles_with("manage_retention"))
    told = notices.tell(
        list(people), kind=DRY_RUN_WAITING, school=run.school,
        title="Records past the school's retention schedule wait for your confirmation",
        lines=[f"{run.total} record{'s' if run.total != 1 else ''} would be removed. Nothing "
               "is removed until the headteacher or the designated safeguarding lead "
               "confirms."],
        path=reverse("retention:schedule"), key=f"retention-run-{run.pk}")
    return len(told.notices)

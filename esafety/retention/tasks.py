"""The retention app's task (queued by its scheduled job in esafety/web/jobs.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def retention_task(school_id: int) -> dict:
    """One school's retention: purge confirmed runs, prepare the weekly dry run. Safe to
    repeat (a run is purged once; a dry run is not prepared twice in a week)."""
    from esafety.directory.models import School
    from esafety.retention import actions

    school = School.objects.filter(pk=school_id).first()
    if school is None:
        return {}
    return actions.scheduled_run(school=school)


def retention_job(run) -> None:
    """The scheduled job: hand the task over once for every school."""
    from esafety.directory.models import School

    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        run(retention_task, school_id)

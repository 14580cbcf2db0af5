"""The take-down reminders as a task the scheduled jobs queue (esafety/web/jobs.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def takedowns_due_task(school_id: int) -> int:
    """Published items with a pupil who left or a withdrawn consent: whoever recorded each is
    told (notices' keys make it safe to run twice)."""
    from esafety.consent.notifications import takedowns_due

    return takedowns_due(school_id)


def each_school(run) -> None:
    """The scheduled job: the task handed over once for every school, by its id."""
    from esafety.directory.models import School

    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        run(takedowns_due_task, school_id)

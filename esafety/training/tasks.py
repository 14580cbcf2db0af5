"""The training reminders as a task the scheduled jobs queue (esafety/web/jobs.py)."""

from __future__ import annotations

from django_tasks import task


@task()
def training_reminders_task(school_id: int) -> int:
    """Each person whose online safety training is due or overdue is told (notices' keys
    make it safe to run twice)."""
    from esafety.training.notifications import training_reminders

    return training_reminders(school_id)


def each_school(run) -> None:
    """The scheduled job: the reminders task handed over once for every school, by its id."""
    from esafety.directory.models import School

    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        run(training_reminders_task, school_id)

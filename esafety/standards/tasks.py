"""The scheduled job: esafety checks its own filter once a day per school, and notes rule
changes in the decision register's history."""

from __future__ import annotations

from django_tasks import task


@task()
def filtering_check_task(school_id: int) -> bool:
    """True when a check was made (one a day at most)."""
    from esafety.directory.models import School
    from esafety.standards.actions import check_due_run

    school = School.objects.filter(pk=school_id).first()
    return school is not None and check_due_run(school=school) is not None


def each_school(run) -> None:
    """For esafety/web/jobs.py: the task once for every school, by its id."""
    from esafety.directory.models import School

    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        run(filtering_check_task, school_id)

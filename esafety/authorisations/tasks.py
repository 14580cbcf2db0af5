"""The scheduled job: access whose time has run out is marked ended and people told."""

from __future__ import annotations

from django_tasks import task


@task()
def expire_authorisations_task(school_id: int) -> int:
    from esafety.authorisations.actions import access_expire_due
    from esafety.directory.models import School

    school = School.objects.filter(pk=school_id).first()
    return access_expire_due(school=school) if school is not None else 0


def each_school(run) -> None:
    """For esafety/web/jobs.py: the task once for every school, by its id."""
    from esafety.directory.models import School

    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        run(expire_authorisations_task, school_id)

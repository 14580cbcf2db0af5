"""The scheduled work of mail monitoring (esafety/web/jobs.py queues it)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def captured_mail_retention_task(school_id: int) -> dict:
    """Delete one school's captured mail past its retention (rows and files). Safe twice."""
    from esafety.directory.models import School
    from esafety.mailmonitor import actions

    school = School.objects.filter(pk=school_id).first()
    if school is None:
        return {}
    return actions.captured_mail_expire(school=school)


def retention_job(run: Any) -> None:
    """Hand over the retention task once for every school."""
    from esafety.directory.models import School

    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        run(captured_mail_retention_task, school_id)

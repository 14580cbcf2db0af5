"""The scheduled work of the mail filter (esafety/web/jobs.py queues it): republish the
snapshot and load the filter's events (held messages, concerns). Held mail past its period
is removed only by the retention schedule (esafety/retention: a dry run, then confirmation)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def mail_filter_turn_task(school_id: int) -> dict:
    """For one school: publish the snapshot again (people and approved recipients change),
    and load what the filter left. Safe twice.

    Every school, whether or not anyone has saved the mail filter's settings: on a new
    install the filter answers 4xx to every message until a snapshot exists, so it gets one
    with the defaults (no settings row is made for it)."""
    from esafety.directory.models import School
    from esafety.mailfilter.actions import ingest_events
    from esafety.mailfilter.publishing import publish

    school = School.objects.filter(pk=school_id).first()
    if school is None:
        return {}
    publish(school)
    loaded = ingest_events(school)
    return {"loaded": loaded.loaded, "held": loaded.held, "concerns": loaded.concerns,
            "failed": len(loaded.failed)}


def each_school(run: Any) -> None:
    from esafety.directory.models import School

    for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
        run(mail_filter_turn_task, school_id)

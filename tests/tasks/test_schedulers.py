"""Several `esafety worker` processes each scheduling: the scheduled jobs are queued once per
turn, not once per worker, on the database queue and on a real Redis. Two schedulers (as two
workers' scheduler threads are) queue the same job's turn; a real worker runs what reaches the
queue, and each task leaves a line behind (tests/tasks/sample.py). Nothing here measures time."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from esafety import tasks
from esafety.web import jobs
from esafety.web.models import JobTurn
from tests.tasks import sample
from tests.tasks.conftest import ran, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

MONDAY_NINE = 1_796_979_600.0  # a moment, in seconds since 1970, at the start of an hour


@pytest.fixture(params=["database", "redis"])
def workers(request, transactional_db, disposable_append_only_tables):
    return request.getfixturevalue(f"{request.param}_workers")


def ticking(folder: str) -> tuple[jobs.Job, ...]:
    """A job every minute that queues one task (as the log ingest does for a school)."""
    return (jobs.Job("tick", 60, lambda run: run(sample.record, folder, "tick")),)


def queue_drained(folder: str, tag: str) -> None:
    """Queue a marker and wait for it: the one worker runs in order, so whatever the
    schedulers queued before it has run by then."""
    marker = sample.record.enqueue(folder, tag)

    def done() -> bool:
        marker.refresh()
        return marker.is_finished

    wait_for(done, f"the worker to reach {tag}")


def test_two_workers_schedulers_queue_each_turn_of_a_job_once(workers, tmp_path):
    folder = str(tmp_path)
    workers.start("worker-a")
    first, second = jobs.Scheduler(ticking(folder), enqueue=True), \
        jobs.Scheduler(ticking(folder), enqueue=True)

    # Both workers' schedulers reach the same turn (each started at its own moment).
    assert first.run_due(now=0, wall=MONDAY_NINE + 5) == ["tick"]
    queue_drained(folder, "marker-1")  # the first turn's task has run: nothing waits now
    assert second.run_due(now=0, wall=MONDAY_NINE + 40) == []
    queue_drained(folder, "marker-2")
    assert ran(tmp_path) == {"tick": 1, "marker-1": 1, "marker-2": 1}

    # The next minute: whichever comes first queues it, the other does not.
    assert second.run_due(now=60, wall=MONDAY_NINE + 65) == ["tick"]
    assert first.run_due(now=60, wall=MONDAY_NINE + 100) == []
    queue_drained(folder, "marker-3")
    assert ran(tmp_path) == {"tick": 2, "marker-1": 1, "marker-2": 1, "marker-3": 1}
    assert sorted(JobTurn.objects.values_list("job", "period", "claimed_by")) == [
        ("tick", int(MONDAY_NINE // 60), first.name),
        ("tick", int(MONDAY_NINE // 60) + 1, second.name)]


@pytest.mark.parametrize("backend", ["database", "redis"])
def test_two_scheduler_loops_at_the_same_moment_queue_each_turn_once(
        backend, request, disposable_append_only_tables, tmp_path):
    """Two schedulers (two workers' threads) reaching twenty turns at the same moment, each
    pair let go together: twenty tasks on the queue, not forty."""
    import threading

    from django.db import connection

    if backend == "redis":
        request.getfixturevalue("redis_queue")
    folder = str(tmp_path)
    turns = 20
    both = threading.Barrier(2)
    errors: list[BaseException] = []
    claimed = [0, 0]

    def loop(index: int) -> None:
        current = [0]
        # Each turn's task is its own (as a school's ingest is a new one each minute once
        # the last has run), so only the claims keep the two from queueing it twice.
        job = jobs.Job("tick", 60, lambda run: run(sample.record, folder,
                                                   f"tick-{current[0]}"))
        scheduler = jobs.Scheduler((job,), enqueue=True)
        try:
            for turn in range(turns):
                current[0] = turn
                both.wait(timeout=60)
                ran_now = scheduler.run_due(now=60.0 * turn, wall=MONDAY_NINE + 60 * turn)
                claimed[index] += len(ran_now)
            assert scheduler.failures == {}
        except BaseException as error:  # noqa: BLE001  (reported by the test below)
            errors.append(error)
        finally:
            connection.close()  # this thread's own connection

    threads = [threading.Thread(target=loop, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(claimed) == turns and JobTurn.objects.count() == turns
    if backend == "redis":
        import django_rq

        queued = [job.args for job in django_rq.get_queue("default").get_jobs()]
    else:
        from django_tasks_db.models import DBTaskResult

        queued = [r.args_kwargs["args"] for r in DBTaskResult.objects.all()]
    assert sorted(tag for _, tag in queued) == sorted(f"tick-{n}" for n in range(turns))


def test_a_turn_whose_job_failed_is_left_for_the_other_worker(database_workers, tmp_path):
    folder = str(tmp_path)
    calls = []

    def flaky(run):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("the queue went away")
        run(sample.record, folder, "tick")

    first = jobs.Scheduler((jobs.Job("tick", 60, flaky),), enqueue=True)
    second = jobs.Scheduler((jobs.Job("tick", 60, flaky),), enqueue=True)
    assert first.run_due(now=0, wall=MONDAY_NINE) == ["tick"]
    assert "the queue went away" in first.failures["tick"]
    assert not JobTurn.objects.exists()  # the claim went with the failure
    assert second.run_due(now=0, wall=MONDAY_NINE + 1) == ["tick"]
    database_workers.start("worker-a")
    queue_drained(folder, "marker")
    assert ran(tmp_path) == {"tick": 1, "marker": 1}


def test_the_real_jobs_are_queued_once_by_two_schedulers(db, school):
    from collections import Counter

    from django_tasks_db.models import DBTaskResult

    first = jobs.Scheduler(enqueue=True)
    assert first.run_due(now=0, wall=MONDAY_NINE) == [job.name for job in jobs.JOBS]
    # A worker ran them all at once, so nothing is waiting when the others look.
    DBTaskResult.objects.update(status="SUCCESSFUL", finished_at=timezone.now())
    queued = Counter((r.task_path, str(r.args_kwargs)) for r in DBTaskResult.objects.all())
    for _ in range(2):
        assert jobs.Scheduler(enqueue=True).run_due(now=0, wall=MONDAY_NINE + 30) == []
    assert Counter((r.task_path, str(r.args_kwargs))
                   for r in DBTaskResult.objects.all()) == queued
    assert {path for path, _ in queued} >= {
        f"esafety.tasks.{name}" for name in (
            "ingest_filter_logs", "run_history_checks", "prune_finished_tasks",
            "send_daily_digest_task", "handoff_checks_task", "filter_log_retention_task")}


def test_claims_on_past_turns_are_tidied_away(db):
    old = JobTurn.objects.create(job="tick", period=1)
    JobTurn.objects.filter(pk=old.pk).update(
        claimed_at=timezone.now() - datetime.timedelta(days=tasks.KEEP_TURNS_DAYS + 1))
    recent = JobTurn.objects.create(job="tick", period=2)
    tasks.prune_finished_tasks.call()
    assert list(JobTurn.objects.values_list("pk", flat=True)) == [recent.pk]

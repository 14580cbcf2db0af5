"""The scheduled jobs: work that must happen whether or not anyone opens a page.

Pages never write, so what used to wait for a visitor runs here: the daily history check,
and loading the filter helpers' logs (blocked requests, who was seen at which computer,
the alerts they raise). Each job is one or more tasks (esafety/tasks.py).

`esafety worker` (which `esafety serve` and the demo start beside the web app) puts each job's
tasks on the queue when its turn comes and runs them; a task still waiting from the last turn
is not queued twice. With several workers scheduling (on the database queue or on Redis),
each turn of each job is claimed once in the database (web.JobTurn: one row per job and
period, unique), so the jobs are queued once per turn, not once per worker. A school without
a worker runs `esafety jobs --once` from cron instead, which claims the turns the same way
and runs the tasks at once in that process.

A job that fails is logged and retried at its next turn; it never stops the others.
"""

from __future__ import annotations

import datetime
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import close_old_connections

log = logging.getLogger(__name__)

# How a job hands over its work: run(task, *args) either calls the task here and now or
# puts it on the queue.
Runner = Callable[..., None]


def _each_school(task_name: str) -> Callable[[Runner], None]:
    """A job that hands over the task once for every school, by its id."""
    def job(run: Runner) -> None:
        from esafety import tasks
        from esafety.directory.models import School

        task = getattr(tasks, task_name)
        for school_id in School.objects.order_by("pk").values_list("pk", flat=True):
            run(task, school_id)
    return job


def _once(task_name: str) -> Callable[[Runner], None]:
    """A job that hands over the task once, for the whole install."""
    def job(run: Runner) -> None:
        from esafety import tasks

        run(getattr(tasks, task_name))
    return job


def _retention(run: Runner) -> None:
    from esafety.retention.tasks import retention_job

    retention_job(run)


def _mail_filter(run: Runner) -> None:
    from esafety.mailfilter.tasks import each_school

    each_school(run)


def _access_authorisations(run: Runner) -> None:
    from esafety.authorisations.tasks import each_school

    each_school(run)


def _filtering_checks(run: Runner) -> None:
    from esafety.standards.tasks import each_school

    each_school(run)


def _training_reminders(run: Runner) -> None:
    from esafety.training.tasks import each_school

    each_school(run)


def _takedowns(run: Runner) -> None:
    from esafety.consent.tasks import each_school

    each_school(run)


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between turns (a task also decides for itself whether work is due)
    run: Callable[[Runner], None]


JOBS = (
    Job("load the filter helpers' logs", 60, _each_school("ingest_filter_logs")),
    # Hourly look, daily work: run_due_checks checks only schools whose last check is a day old.
    Job("daily history check", 3600, _once("run_history_checks")),
    Job("tidy the queue's finished tasks", 6 * 3600, _once("prune_finished_tasks")),
    # Hourly look, daily work: the task sends each school's summary once a local day.
    Job("daily concerns summary", 3600, _each_school("send_daily_digest_task")),
    # Unblocks ending within a day and next actions due: each person told once (notices).
    Job("handoff checks", 3600, _each_school("handoff_checks_task")),
    # The filter's logs past the school's retention: old days dropped, next days made ahead.
    Job("filter log retention", 3600, _each_school("filter_log_retention_task")),
    # Access authorisations whose time has run out: marked ended, asker and reader told.
    Job("access authorisations ending", 600, _access_authorisations),
    # Hourly look, daily work: esafety asks its own filter about a known address in every
    # category for every group (the DfE standards' check log), and notes rule changes.
    Job("daily filtering check", 3600, _filtering_checks),
    # The school's retention schedule: confirmed purges done, a weekly dry run prepared.
    # Held and captured mail go only this way (a dry run, then the head's or DSL's
    # confirmation), never by the mail apps' own jobs.
    Job("retention schedule", 3600, _retention),
    # The mail filter: snapshot republished, held mail and findings loaded.
    Job("mail filter", 60, _mail_filter),
    # Online safety training due or overdue: each person told (notices' keys: once each).
    Job("training reminders", 6 * 3600, _training_reminders),
    # Published items with a pupil who left or a withdrawn consent (003 §8.2): told once each.
    Job("published items to take down", 6 * 3600, _takedowns),
)


# A task "running" for longer than this is taken as lost (its worker was killed part-way):
# the job is queued again rather than waiting for it for ever.
LOST_AFTER = datetime.timedelta(hours=1)


def _lost(result: Any) -> bool:
    from django.utils import timezone

    started = result.started_at
    return started is not None and timezone.now() - started > LOST_AFTER


def _waiting_on_database_queue(task: Any, args: tuple) -> bool:
    """Is the same task, with the same arguments, waiting to run on the database queue?"""
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task.get_backend()
    if not isinstance(backend, DatabaseBackend):
        return False
    return DBTaskResult.objects.ready().filter(
        backend_name=backend.alias, task_path=task.module_path,
        args_kwargs={"args": list(args), "kwargs": {}}).exists()


def _call_now(task: Any, *args: Any) -> None:
    task.call(*args)


def _turn(job: Job, wall: float) -> dict:
    """The JobTurn fields naming `job`'s turn at `wall` (seconds since 1970): the claim and
    its release must name the same row."""
    return {"job": job.name[:100], "period": int(wall // job.every)}


def _claim_turn(job: Job, wall: float, claimed_by: str) -> bool:
    """Claim this turn of `job` (its interval's period holding `wall`, seconds since 1970);
    False when another scheduler has claimed it already."""
    from django.db import IntegrityError, transaction

    from esafety.web.models import JobTurn

    try:
        with transaction.atomic():
            JobTurn.objects.create(**_turn(job, wall), claimed_by=claimed_by[:100])
    except IntegrityError:
        return False
    return True


def _release_turn(job: Job, wall: float) -> None:
    from esafety.web.models import JobTurn

    JobTurn.objects.filter(**_turn(job, wall)).delete()


class Scheduler:
    """Turns the jobs' clocks. `enqueue=False` (cron's `esafety jobs`) runs each task in this
    process; `enqueue=True` (`esafety worker`) puts it on the queue for the workers. Either
    way each turn of a job is claimed once (web.JobTurn)."""

    def __init__(self, jobs: tuple[Job, ...] = JOBS, *, enqueue: bool = False):
        self.jobs = jobs
        self.enqueue = enqueue
        # Who claimed a turn (web.JobTurn), for whoever looks into the queue.
        self.name = f"{os.uname().nodename}-{os.getpid()}-{id(self):x}"
        self.next_run = {job.name: 0.0 for job in jobs}
        self.failures: dict[str, str] = {}
        self.waiting: dict[tuple[str, tuple], Any] = {}  # (task, args) -> its last TaskResult

    def _put_on_queue(self, task: Any, *args: Any) -> None:
        from django_tasks.base import TaskResultStatus
        from django_tasks.exceptions import TaskResultDoesNotExist

        key = (task.module_path, args)
        earlier = self.waiting.get(key)
        if earlier is not None:
            try:
                earlier.refresh()
            except TaskResultDoesNotExist:  # pruned, or the queue was emptied: queue anew
                pass
            else:
                if earlier.status == TaskResultStatus.READY:
                    return  # the last turn's task has not run yet: one is enough
                if earlier.status == TaskResultStatus.RUNNING and not _lost(earlier):
                    return
        if _waiting_on_database_queue(task, args):
            return  # another scheduler (a second worker, a restarted one) queued it already
        self.waiting[key] = task.enqueue(*args)

    def run_due(self, now: float | None = None, wall: float | None = None) -> list[str]:
        """Run (or queue) every job whose turn has come; the names of those run. `now` is
        this scheduler's clock (monotonic); `wall` (seconds since 1970; `now` when only that
        is given, as the tests do) names the turn the schedulers share."""
        if now is None:
            now, wall = time.monotonic(), time.time() if wall is None else wall
        wall = now if wall is None else wall
        runner = self._put_on_queue if self.enqueue else _call_now
        ran = []
        for job in self.jobs:
            if now < self.next_run[job.name]:
                continue
            self.next_run[job.name] = now + job.every
            try:
                if not self._run(job, runner, wall):
                    continue  # another worker's scheduler has queued this turn
            except Exception as error:  # noqa: BLE001  (one job's failure stops no other)
                self.failures[job.name] = f"{type(error).__name__}: {error}"
                log.exception("scheduled job failed: %s", job.name)
            else:
                self.failures.pop(job.name, None)
            ran.append(job.name)
        return ran

    def _run(self, job: Job, runner: Runner, wall: float) -> bool:
        if not self.enqueue:
            # Cron's run (`esafety jobs --once` every minute) claims the turn as well, so an
            # hourly job runs once an hour, not every minute, and not again where a worker
            # has queued this turn already. The claim is committed before the tasks run
            # here (they commit as they go); a job that fails gives its turn back, for the
            # next minute's run.
            if not _claim_turn(job, wall, self.name):
                return False
            try:
                job.run(runner)
            except BaseException:
                _release_turn(job, wall)
                raise
            return True
        from django.db import transaction

        # The claim and the queueing commit together (on the database queue): a job that
        # fails part-way leaves its turn unclaimed, for the next turn or another worker.
        with transaction.atomic():
            if not _claim_turn(job, wall, self.name):
                return False
            job.run(runner)
        return True

    def run_forever(self, stop: threading.Event, tick: float = 5.0) -> None:
        while not stop.is_set():
            # This thread's own database connection: fresh for each turn, like a request's.
            close_old_connections()
            try:
                self.run_due()
            finally:
                close_old_connections()
            stop.wait(tick)


def start_scheduler_thread(*, enqueue: bool = True) -> threading.Event:
    """Turn the jobs' clocks in a daemon thread of this process; set the event to stop."""
    stop = threading.Event()
    thread = threading.Thread(target=Scheduler(enqueue=enqueue).run_forever, args=(stop,),
                              name="esafety-scheduler", daemon=True)
    thread.start()
    return stop


def start_worker_process(*, stdout=None):
    """`esafety worker` as a child of this process (what `esafety serve` and the demo run):
    the queued tasks and the scheduled jobs. It stops when this process does."""
    import subprocess
    import sys

    return subprocess.Popen([sys.executable, "-m", "esafety", "worker", "--exit-with-parent"],
                            stdin=subprocess.DEVNULL, stdout=stdout, stderr=None)


def stop_worker_process(process, timeout: float = 30) -> None:
    """Ask the worker to finish its task and stop; end it if it will not."""
    import subprocess

    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

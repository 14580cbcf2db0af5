"""esafety worker: the background worker. Runs the queued tasks (esafety/tasks.py) and, unless
told not to, turns the scheduled jobs' clocks (esafety/web/jobs.py), queueing their tasks.

Run one per machine that should do background work. Several may schedule: each turn of a job
is claimed in the database (web.JobTurn) in the same transaction that queues its tasks, so a
turn is queued once however many workers run; --no-schedule makes a worker run tasks only. The queue is the database by default, Redis with
ESAFETY_TASKS_BACKEND=rq (see the README's "Background work").
"""

from __future__ import annotations

import argparse
import os
import signal
import threading
import uuid

from django.core.management.base import BaseCommand, CommandError
from django.db import connections


class Command(BaseCommand):
    help = "Run the background worker: queued tasks and the scheduled jobs."

    def add_arguments(self, parser):
        parser.add_argument("--no-schedule", action="store_true",
                            help="only run queued tasks; another worker queues the scheduled "
                                 "jobs")
        parser.add_argument("--batch", action="store_true",
                            help="run the tasks waiting now, then stop")
        parser.add_argument("--worker-id", default="",
                            help="a name for this worker, unique among them (default: random)")
        # `esafety serve` starts the worker as its child; it stops when serve goes.
        parser.add_argument("--exit-with-parent", action="store_true", help=argparse.SUPPRESS)

    def handle(self, *args, no_schedule=False, batch=False, worker_id="",
               exit_with_parent=False, **options):
        from django.conf import settings
        from django_tasks import task_backends

        from esafety.web.jobs import start_scheduler_thread

        backend = task_backends["default"]
        worker_id = worker_id or f"{os.uname().nodename}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
        if exit_with_parent:
            _stop_when_parent_goes()
        schedule = not (no_schedule or batch)
        stop = start_scheduler_thread() if schedule else None
        where = ("Redis" if settings.TASKS_BACKEND == "rq" else "the database")
        if options.get("verbosity", 1) >= 1:
            self.stdout.write(f"Worker {worker_id}: running the queued tasks (queue in {where})"
                              + ("" if not schedule else " and the scheduled jobs")
                              + ("." if batch else "; Ctrl+C to stop."))
            self.stdout.flush()
        try:
            run_queue(backend, batch=batch, worker_id=worker_id)
        finally:
            if stop is not None:
                stop.set()


def run_queue(backend, *, batch: bool, worker_id: str) -> None:
    """Run tasks from the backend's queue until stopped (or, with batch, until it is empty)."""
    from django_tasks_db.backend import DatabaseBackend

    if isinstance(backend, DatabaseBackend):
        from django_tasks_db.management.commands.db_worker import Worker

        worker = Worker(queue_names=["*"], interval=1, batch=batch, backend_name=backend.alias,
                        startup_delay=False, max_tasks=None, worker_id=worker_id[:64],
                        excluded_queue_names=[])
        if not batch:  # a batch ends by itself; Ctrl+C or SIGTERM lets a long run finish its task
            worker.configure_signals()
        worker.run()
        return
    from django_tasks_rq import Job, RQBackend

    if isinstance(backend, RQBackend):
        import django_rq

        # Each task runs in a forked child: it must not share this process's connections.
        connections.close_all()
        rq_worker = django_rq.get_worker(*sorted(backend.queues), job_class=Job,
                                         name=worker_id)
        rq_worker.work(burst=batch, with_scheduler=True, logging_level="WARNING")
        return
    raise CommandError(f"esafety worker cannot run tasks for {type(backend).__name__}: "
                       "set ESAFETY_TASKS_BACKEND to 'database' or 'rq'.")


def _stop_when_parent_goes() -> None:
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            threading.Event().wait(1)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, name="esafety-worker-parent", daemon=True).start()

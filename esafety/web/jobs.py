"""The scheduled jobs: work that must happen whether or not anyone opens a page.

Pages never write, so what used to wait for a visitor runs here: the daily history check,
and loading the filter helpers' logs (blocked requests, who was seen at which computer,
the alerts they raise). `esafety serve` (and the demo) runs them in a background thread;
a school that runs esafety under another server runs `esafety jobs` from cron or systemd
instead (`esafety serve --no-jobs` then leaves them to it).

A job that fails is logged and retried at its next turn; it never stops the others.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.core.management import call_command
from django.db import close_old_connections

log = logging.getLogger(__name__)


def _history_check() -> None:
    from esafety.audit.integrity import run_due_checks

    run_due_checks()


def _filter_ingest() -> None:
    from esafety.directory.models import School

    for slug in School.objects.order_by("pk").values_list("slug", flat=True):
        call_command("filter", "ingest", "--school", slug, verbosity=0, stdout=_Quiet())


class _Quiet:
    """Somewhere for a command's progress lines to go: the jobs log only failures."""

    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


@dataclass(frozen=True)
class Job:
    name: str
    every: float  # seconds between runs (a job also decides for itself whether work is due)
    run: Callable[[], None]


JOBS = (
    Job("load the filter helpers' logs", 60, _filter_ingest),
    # Hourly look, daily work: run_due_checks checks only schools whose last check is a day old.
    Job("daily history check", 3600, _history_check),
)


class Scheduler:
    def __init__(self, jobs: tuple[Job, ...] = JOBS):
        self.jobs = jobs
        self.next_run = {job.name: 0.0 for job in jobs}
        self.failures: dict[str, str] = {}

    def run_due(self, now: float | None = None) -> list[str]:
        """Run every job whose turn has come; the names of those run."""
        now = time.monotonic() if now is None else now
        ran = []
        for job in self.jobs:
            if now < self.next_run[job.name]:
                continue
            self.next_run[job.name] = now + job.every
            try:
                job.run()
            except Exception as error:  # noqa: BLE001  (one job's failure stops no other)
                self.failures[job.name] = f"{type(error).__name__}: {error}"
                log.exception("scheduled job failed: %s", job.name)
            else:
                self.failures.pop(job.name, None)
            ran.append(job.name)
        return ran

    def run_forever(self, stop: threading.Event, tick: float = 5.0) -> None:
        while not stop.is_set():
            # This thread's own database connection: fresh for each turn, like a request's.
            close_old_connections()
            try:
                self.run_due()
            finally:
                close_old_connections()
            stop.wait(tick)


def start_in_background() -> threading.Event:
    """Run the jobs in a daemon thread of this process; set the returned event to stop."""
    stop = threading.Event()
    thread = threading.Thread(target=Scheduler().run_forever, args=(stop,),
                              name="esafety-jobs", daemon=True)
    thread.start()
    return stop

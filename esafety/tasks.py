"""Background work: the tasks `esafety worker` runs off the queue.

Django's task interface (the django-tasks backport while esafety is on Django 5.2; Django
6's `django.tasks` has the same shape). The queue is the database by default and Redis (RQ)
with ESAFETY_TASKS_BACKEND=rq; call sites are the same either way:

    from esafety.tasks import enqueue_after_commit, publish_policy_task
    enqueue_after_commit(publish_policy_task, school.pk)

Arguments and return values cross the queue as JSON: pass primary keys and plain values,
never model instances. Enqueue after the change commits (`enqueue_after_commit`), so a rolled
back change never reaches the filter or anybody's inbox. A task may run on another machine,
later, or (after a worker is killed part-way) again: each one is safe to repeat.
"""

from __future__ import annotations

import dataclasses
import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.core.mail import EmailMessage
from django.core.management import call_command
from django.db import transaction
from django.utils.module_loading import import_string
from django_tasks import task

log = logging.getLogger(__name__)


def enqueue_after_commit(task_: Any, *args: Any, **kwargs: Any) -> None:
    """Put `task_` on the queue once the current transaction commits (at once outside one)."""
    transaction.on_commit(lambda: task_.enqueue(*args, **kwargs))


class _Quiet:
    """Somewhere for a command's progress lines to go: the worker logs only failures."""

    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


@task()
def ingest_filter_logs(school_id: int) -> bool:
    """Load one school's filter helper logs (`esafety filter ingest --school SLUG`): blocked
    requests, alerts, who was seen at which computer. False when the school has gone."""
    from esafety.directory.models import School

    slug = School.objects.filter(pk=school_id).values_list("slug", flat=True).first()
    if slug is None:
        return False
    call_command("filter", "ingest", "--school", slug, verbosity=0, stdout=_Quiet())
    return True


@task()
def run_history_checks() -> None:
    """The daily history check for every school last checked over a day ago."""
    from esafety.audit.integrity import run_due_checks

    run_due_checks()


@task()
def publish_policy_task(school_id: int) -> int:
    """Publish one school's filtering snapshot (policy.json) for the Squid helper; the new
    policy version."""
    from esafety.directory.models import School
    from esafety.filtering.models import FilteringSettings
    from esafety.filtering.publish import publish_policy

    publish_policy(School.objects.get(pk=school_id))
    return FilteringSettings.objects.get(school_id=school_id).policy_version


@task()
def send_email_task(*, subject: str, body: str, to: list[str], bcc: list[str] | None = None,
                    from_email: str | None = None, on_failure: str | None = None,
                    context: dict[str, Any] | None = None) -> int:
    """Send one email (never `fail_silently`); the number sent.

    `on_failure` is the dotted path of a function the sender provides, called as
    `on_failure(error=..., subject=..., to=..., context=...)` when the mail server refuses,
    so the failure is recorded where an administrator sees it; the task then fails too, and
    its result on the queue keeps the error.
    """
    message = EmailMessage(subject=subject, body=body, from_email=from_email, to=to,
                           bcc=bcc or [])
    try:
        return message.send(fail_silently=False)
    except Exception as error:
        if on_failure:
            import_string(on_failure)(error=f"{type(error).__name__}: {error}",
                                      subject=subject, to=to, context=context or {})
        raise


@task()
def filter_log_retention_task(school_id: int) -> dict:
    """Forget one school's filter logs older than its retention (whole days dropped on
    PostgreSQL) and make the next days' partitions ahead. What went."""
    from esafety.directory.models import School
    from esafety.filtering import actions

    school = School.objects.filter(pk=school_id).first()
    if school is None:
        return {}
    return actions.log_retention_enforce(school=school)


@task()
def send_daily_digest_task(school_id: int) -> int:
    """One school's daily concerns summary (concerns/notifications.py), once a local day:
    a worker restarted later the same day does not send it again. How many it reached."""
    from django.utils import timezone

    from esafety.audit.models import AuditEvent
    from esafety.concerns import notifications
    from esafety.directory.models import School

    school = School.objects.filter(pk=school_id).first()
    if school is None:
        return 0
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    if AuditEvent.objects.filter(school=school, event_type="concern_email_sent",
                                 details__email=notifications.DIGEST, at__gte=start).exists():
        return 0
    return notifications.send_daily_digest(school)


@task()
def handoff_checks_task(school_id: int) -> int:
    """The scheduled handoffs: unblocks ending within a day (to whoever asked) and cases
    whose next action is due (to their owner). Each is told once (notices' keys)."""
    from esafety.filtering.notifications import unblocks_ending
    from esafety.incidents.notifications import reviews_due

    return unblocks_ending(school_id) + reviews_due(school_id)


# Finished tasks on the database queue are kept this long (a failure for longer, so whoever
# looks into it finds it), then deleted: the logs alone queue one task a minute per school.
KEEP_SUCCESSFUL_DAYS = 7
KEEP_FAILED_DAYS = 90
# A scheduled job's claimed turns (web.JobTurn) matter only while that turn lasts.
KEEP_TURNS_DAYS = 2


@task()
def prune_finished_tasks() -> int:
    """Delete finished tasks past keeping from the database queue; how many. (RQ keeps its
    results for a set time of its own.) The schedulers' claims on past turns go too."""
    import datetime

    from django.utils import timezone
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    from esafety.web.models import JobTurn

    JobTurn.objects.filter(
        claimed_at__lt=timezone.now() - datetime.timedelta(days=KEEP_TURNS_DAYS)).delete()
    backend = task_backends["default"]
    if not isinstance(backend, DatabaseBackend):
        return 0
    now = timezone.now()
    results = DBTaskResult.objects.finished().filter(backend_name=backend.alias)
    deleted = 0
    for status, days in (("SUCCESSFUL", KEEP_SUCCESSFUL_DAYS), ("FAILED", KEEP_FAILED_DAYS)):
        deleted += results.filter(
            status=status, finished_at__lt=now - datetime.timedelta(days=days)).delete()[0]
    return deleted


# --- Failed tasks, for whoever looks after esafety (notices' "tasks that failed" page) -----

# The tasks whose first argument is a school's id: a failure of one is that school's.
SCHOOL_TASKS = frozenset({"ingest_filter_logs", "publish_policy_task",
                          "filter_log_retention_task", "send_daily_digest_task",
                          "handoff_checks_task"})
# Each task in the school's words.
LABELS = {
    "ingest_filter_logs": "Load the filter's logs",
    "run_history_checks": "Daily check of the audit trail's history",
    "publish_policy_task": "Publish the filtering policy to the filter",
    "send_email_task": "Send an email",
    "filter_log_retention_task": "Forget filter logs past the school's retention",
    "send_daily_digest_task": "Daily concerns summary",
    "handoff_checks_task": "Unblocks ending and next actions due",
    "prune_finished_tasks": "Tidy the queue's finished tasks",
}
FAILED_SCAN = 1000  # the newest failures looked at


@dataclass(frozen=True)
class FailedTask:
    """One task that failed: what it was, when, why (the error's first line), how many
    tries, and the school it was for (None: the whole install)."""

    name: str
    path: str
    at: datetime.datetime | None
    error: str
    tries: int
    school_id: int | None


def first_line_of_error(traceback: str) -> str:
    """"ValueError: bad value" from a Python traceback: the exception's line (the first
    unindented line after the last frame), its first line only."""
    lines = [line for line in (traceback or "").splitlines() if line.strip()]
    frames = [i for i, line in enumerate(lines) if line.startswith("  File ")]
    after = lines[frames[-1] + 1:] if frames else lines
    for line in after:
        if not line.startswith((" ", "\t")):
            return line.strip()[:300]
    return (lines[-1].strip() if lines else "Unknown error")[:300]


def _failed(path: str, at: datetime.datetime | None, args: list, traceback: str,
            tries: int) -> FailedTask:
    name = path.rsplit(".", 1)[-1]
    school_id = args[0] if name in SCHOOL_TASKS and args and isinstance(args[0], int) else None
    return FailedTask(name=LABELS.get(name, name.replace("_", " ").capitalize()), path=path,
                      at=at, error=first_line_of_error(traceback),
                      tries=max(tries, 1), school_id=school_id)


def failed_tasks(limit: int = FAILED_SCAN) -> list[FailedTask]:
    """The queue's failed tasks, newest first, on whichever backend it is (the database or
    Redis)."""
    from django_tasks import task_backends
    from django_tasks_db.backend import DatabaseBackend
    from django_tasks_db.models import DBTaskResult

    backend = task_backends["default"]
    found: list[FailedTask] = []
    if isinstance(backend, DatabaseBackend):
        for row in (DBTaskResult.objects.failed().filter(backend_name=backend.alias)
                    .order_by("-finished_at")[:limit]):
            found.append(_failed(row.task_path, row.finished_at,
                                 list((row.args_kwargs or {}).get("args") or []),
                                 row.traceback, len(row.worker_ids or [])))
        return found
    from django_tasks_rq import RQBackend

    if isinstance(backend, RQBackend):
        for queue in backend._get_queues():
            for job_id in queue.failed_job_registry.get_job_ids()[:limit]:
                try:
                    result = backend.get_result(job_id)
                except Exception:  # noqa: BLE001  (gone since, or a job that is not a task)
                    continue
                error = result.errors[-1] if result.errors else None
                found.append(_failed(result.task.module_path, result.finished_at,
                                     list(result.args),
                                     error.traceback if error else "", result.attempts))
        found.sort(key=lambda f: f.at or datetime.datetime.min.replace(tzinfo=datetime.UTC),
                   reverse=True)
    return found[:limit]


def failed_tasks_for(school_id: int) -> list[FailedTask]:
    """The failures a school's IT manager and headteacher see: their school's tasks, and the
    install's own (the history check, tidying, emails). Where esafety serves several
    schools, an install-wide failure is listed without its error, which may name another
    school: the service operator reads it in the worker's log."""
    from esafety.directory.models import School

    shared = School.objects.count() > 1
    found = []
    for failure in failed_tasks():
        if failure.school_id is None:
            if shared:
                failure = dataclasses.replace(
                    failure, error="(for the whole service: your service operator has the "
                                   "detail)")
            found.append(failure)
        elif failure.school_id == school_id:
            found.append(failure)
    return found

"""The tasks themselves (esafety/tasks.py), run in this process; tests/tasks/test_workers.py
runs them through real workers."""

from __future__ import annotations

import datetime
import json

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from esafety import tasks
from esafety.filtering import publish
from esafety.filtering.models import FilteringSettings
from tests.tasks import sample


@pytest.fixture
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def test_publishing_the_snapshot_as_a_task_writes_the_policy_and_bumps_its_version(school,
                                                                                   data_dir):
    assert tasks.publish_policy_task.call(school.pk) == 1
    assert tasks.publish_policy_task.call(school.pk) == 2
    policy = json.loads((publish.snapshot_dir(school) / publish.POLICY_FILE).read_text())
    assert FilteringSettings.objects.get(school=school).policy_version == 2
    assert (policy["school"], policy["version"]) == (school.slug, "2")


def test_ingesting_the_logs_of_a_school_that_has_gone_does_nothing(db):
    assert tasks.ingest_filter_logs.call(999_999) is False


def test_the_email_task_sends_the_message(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    sent = tasks.send_email_task.call(subject="Something needs you", body="Look at esafety.",
                                      to=["dsl@school.example"], bcc=["deputy@school.example"])
    assert sent == 1
    assert [(m.subject, m.to, m.bcc) for m in mail.outbox] == [
        ("Something needs you", ["dsl@school.example"], ["deputy@school.example"])]


def test_a_refused_email_is_recorded_by_the_sender_s_hook_and_the_task_fails(settings):
    # A mail server that is not there: port 9 on loopback (discard, never listening here).
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 5
    sample.FAILURES.clear()
    with pytest.raises(OSError):
        tasks.send_email_task.call(subject="Urgent concern", body="Look at esafety.",
                                   to=["dsl@school.example"],
                                   on_failure="tests.tasks.sample.remember_failure",
                                   context={"concern": 7})
    assert len(sample.FAILURES) == 1
    failure = sample.FAILURES[0]
    assert failure["subject"] == "Urgent concern" and failure["to"] == ["dsl@school.example"]
    assert failure["context"] == {"concern": 7} and "Connection" in failure["error"]


@pytest.mark.django_db(transaction=True)
def test_work_is_queued_only_once_the_change_commits(disposable_append_only_tables, school):
    with pytest.raises(RuntimeError), transaction.atomic():
        tasks.enqueue_after_commit(tasks.publish_policy_task, school.pk)
        raise RuntimeError("the change failed")
    assert not DBTaskResult.objects.exists()
    with transaction.atomic():
        tasks.enqueue_after_commit(tasks.publish_policy_task, school.pk)
        assert not DBTaskResult.objects.exists()  # not before the commit
    assert list(DBTaskResult.objects.values_list("task_path", "args_kwargs")) == [
        ("esafety.tasks.publish_policy_task", {"args": [school.pk], "kwargs": {}})]


def test_finished_tasks_are_deleted_from_the_queue_once_past_keeping(db):
    now = timezone.now()

    def finished(status, days_ago):
        result = tasks.run_history_checks.enqueue()
        DBTaskResult.objects.filter(pk=result.id).update(
            status=status, finished_at=now - datetime.timedelta(days=days_ago))
        return result.id

    old_success, new_success = finished("SUCCESSFUL", 8), finished("SUCCESSFUL", 6)
    old_failure, kept_failure = finished("FAILED", 91), finished("FAILED", 30)
    waiting = tasks.run_history_checks.enqueue().id
    assert tasks.prune_finished_tasks.call() == 2
    assert {str(pk) for pk in DBTaskResult.objects.values_list("pk", flat=True)} == {
        new_success, kept_failure, waiting}
    assert {old_success, old_failure}.isdisjoint({new_success, kept_failure, waiting})


def test_an_unknown_queue_backend_stops_esafety_with_a_plain_message(tmp_path):
    import os
    import subprocess
    import sys

    env = {**os.environ, "ESAFETY_TASKS_BACKEND": "celery", "ESAFETY_DATA_DIR": str(tmp_path),
           "DJANGO_SETTINGS_MODULE": "esafety.settings"}
    answer = subprocess.run([sys.executable, "-c", "import django; django.setup()"], env=env,
                            capture_output=True, text=True, timeout=120)
    assert answer.returncode != 0
    assert "ESAFETY_TASKS_BACKEND='celery': use 'database' (the default) or 'rq'." in answer.stderr

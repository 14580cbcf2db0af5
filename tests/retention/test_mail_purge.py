"""Held mail and captured mail leave only through the retention schedule: a dry run counts the
real old messages, the head's confirmation removes them with their 0600 files (one audit entry
per type), younger mail and another school's stay, and the mail apps' own jobs remove nothing."""

import datetime
import hashlib
import itertools
import stat

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.engine.messages.checker import check_parsed
from esafety.engine.messages.message import parse_message
from esafety.mailfilter.actions.review import held_paths
from esafety.mailfilter.models import HeldMessage, MailFilterSettings
from esafety.mailfilter.server import _write_private
from esafety.mailmonitor import actions as monitor
from esafety.mailmonitor.models import CapturedMessage, MonitorSettings
from esafety.retention import actions
from esafety.retention.models import PurgeRun
from esafety.retention.tasks import retention_task

NUMBERS = itertools.count(1)
OLD = datetime.timedelta(days=40)  # past both periods below (held 30 days, captured 10)
YOUNG = datetime.timedelta(days=2)


@pytest.fixture(autouse=True)
def data_dir(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    return settings.DATA_DIR


def held(school, age: datetime.timedelta) -> HeldMessage:
    """A held message as the filter leaves it: a row and its .eml and .json, owner-only."""
    key = f"k{next(NUMBERS):04d}"
    row = HeldMessage.objects.create(school=school, key=key, audience="pupils",
                                     sender="someone@forged.example",
                                     recipients=["pip@hollinspark.sch.uk"], recipient_count=1,
                                     subject="About today", reason="Offensive language",
                                     held_at=timezone.now() - age)
    for path in held_paths(row):
        _write_private(path, b"Subject: About today\r\n\r\nheld text\r\n")
    return row


def captured(school, age: datetime.timedelta) -> CapturedMessage:
    """A captured message with its whole-message evidence file, received `age` ago."""
    raw = (f"From: pip@{school.slug}.example\r\nTo: friend@{school.slug}.example\r\n"
           f"Subject: how I feel\r\nMessage-ID: <{next(NUMBERS)}@{school.slug}.example>\r\n\r\n"
           "I want to kill myself tonight, nobody would miss me\r\n").encode()
    msg = parse_message(raw)
    row = monitor.captured_message_record(
        school=school, raw=raw, sha256=hashlib.sha256(raw).hexdigest(), msg=msg,
        verdict=check_parsed(msg, sender_role="pupil"), private=False, journal_report=False,
        evidence_capture=True, how="a test").captured
    CapturedMessage.objects.filter(pk=row.pk).update(received_at=timezone.now() - age)
    return row


def captured_file(row: CapturedMessage, data_dir):
    return data_dir / "mailmonitor" / row.school.slug / row.evidence_file


@pytest.fixture
def mail(school, other_school, data_dir):
    for each in (school, other_school):
        MailFilterSettings.objects.create(school=each, held_retention_days=30)
        MonitorSettings.objects.create(school=each, retention_days=10)
    made = {"old_held": held(school, OLD), "young_held": held(school, YOUNG),
            "other_held": held(other_school, OLD),
            "old_captured": captured(school, OLD), "young_captured": captured(school, YOUNG),
            "other_captured": captured(other_school, OLD)}
    for name in ("old_captured", "young_captured", "other_captured"):
        path = captured_file(made[name], data_dir)
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    for name in ("old_held", "young_held", "other_held"):
        for path in held_paths(made[name]):
            assert stat.S_IMODE(path.stat().st_mode) == 0o600
    return made


def test_a_dry_run_counts_the_old_mail_and_removes_nothing(headteacher, school, mail,
                                                           data_dir):
    run = actions.purge_prepare(actor=headteacher, school=school)
    assert run.plan["held_mail"]["count"] == 1
    assert run.plan["captured_mail"]["count"] == 1
    assert CapturedMessage.objects.count() == 3
    assert HeldMessage.objects.filter(content_removed_at__isnull=False).count() == 0
    assert all(path.exists() for path in held_paths(mail["old_held"]))
    assert captured_file(mail["old_captured"], data_dir).exists()


def test_confirming_removes_the_old_mail_and_its_files_and_nothing_else(
        headteacher, school, mail, data_dir):
    run = actions.purge_prepare(actor=headteacher, school=school)
    actions.purge_confirm(actor=headteacher, run=run)
    retention_task.call(school.pk)
    run.refresh_from_db()
    assert run.state == PurgeRun.DONE
    assert (run.results["held_mail"], run.results["captured_mail"]) == (1, 1)

    # Held mail: the content and both files gone; the row says when (the app's design).
    old = HeldMessage.objects.get(pk=mail["old_held"].pk)
    assert old.content_removed_at is not None and old.status == HeldMessage.DELETED
    assert not any(path.exists() for path in held_paths(old))
    for name in ("young_held", "other_held"):
        row = HeldMessage.objects.get(pk=mail[name].pk)
        assert row.content_removed_at is None and row.status == HeldMessage.HELD
        assert all(path.exists() for path in held_paths(row))

    # Captured mail: the row and its evidence file gone.
    assert not CapturedMessage.objects.filter(pk=mail["old_captured"].pk).exists()
    assert not captured_file(mail["old_captured"], data_dir).exists()
    for name in ("young_captured", "other_captured"):
        assert CapturedMessage.objects.filter(pk=mail[name].pk).exists()
        assert captured_file(mail[name], data_dir).exists()

    for name in ("held_mail", "captured_mail"):
        [event] = AuditEvent.objects.filter(event_type="records_purged",
                                            details__record_type=name)
        assert event.details["purged"] == 1 and event.actor == headteacher


def test_the_scheduled_jobs_remove_no_mail_on_their_own(school, mail, data_dir):
    """Every job but the retention schedule's, run now: old mail is past its period, yet
    nothing goes without a dry run and a confirmation."""
    from esafety.web.jobs import JOBS, Scheduler

    jobs = tuple(job for job in JOBS if job.name != "retention schedule")
    scheduler = Scheduler(jobs)
    scheduler.run_due(now=0.0)
    assert scheduler.failures == {}
    assert CapturedMessage.objects.count() == 3
    assert all(captured_file(row, data_dir).exists() for row in CapturedMessage.objects.all())
    assert HeldMessage.objects.filter(content_removed_at__isnull=False).count() == 0
    assert all(path.exists() for row in HeldMessage.objects.all() for path in held_paths(row))

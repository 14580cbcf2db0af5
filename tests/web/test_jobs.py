"""The scheduled jobs: what used to wait for somebody to open a page runs on its own, and
pages only read. `esafety jobs` runs them in its own process (cron); `esafety worker` queues
them (below, and tests/tasks/ for the workers themselves)."""

import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from esafety.audit import integrity
from esafety.audit.models import IntegrityCheck
from esafety.incidents import actions
from esafety.web import jobs

WARNING = "Warning: some records were changed outside esafety."
STOPPED = "the daily history check has stopped"


@pytest.fixture
def reported(pupil, dsl):
    return actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                   description="Mean comments in the form group chat.")


def test_opening_pages_never_runs_the_check(reported, headteacher, dsl, client_for):
    for person in (headteacher, dsl):
        client = client_for(person)
        for url in ("/", "/incidents/", "/audit/history-check/"):
            assert client.get(url).status_code == 200
    assert not IntegrityCheck.objects.exists()
    page = client_for(headteacher).get("/audit/history-check/").content.decode()
    assert "Not checked yet" in page


def test_the_jobs_run_the_daily_check_for_every_school_once_a_day(reported, headteacher,
                                                                   outsider, monkeypatch):
    scheduler = jobs.Scheduler()
    assert "daily history check" in scheduler.run_due(now=0)
    assert {c.school_id for c in IntegrityCheck.objects.all()} == {headteacher.school_id,
                                                                    outsider.school_id}
    assert all(c.how == IntegrityCheck.DAILY and c.ok for c in IntegrityCheck.objects.all())
    # The next hourly turn finds nothing due; a day later each school is checked again.
    assert scheduler.run_due(now=3601) and IntegrityCheck.objects.count() == 2
    moved = timezone.now() + datetime.timedelta(hours=25)
    monkeypatch.setattr(integrity, "_now", lambda: moved)
    scheduler.run_due(now=7202)
    assert IntegrityCheck.objects.count() == 4


def test_a_failed_check_from_the_jobs_warns_the_head_on_every_page(reported, headteacher,
                                                                   client_for):
    from esafety.incidents.models import Incident

    Incident.objects.filter(pk=reported.pk).update(summary="Nothing happened")
    jobs.Scheduler().run_due(now=0)
    assert WARNING in client_for(headteacher).get("/").content.decode()


def test_the_head_is_told_when_the_checks_have_stopped(reported, headteacher, teacher,
                                                       client_for, monkeypatch):
    jobs.Scheduler().run_due(now=0)
    assert STOPPED not in client_for(headteacher).get("/").content.decode()
    moved = timezone.now() + datetime.timedelta(days=3)
    monkeypatch.setattr(integrity, "_now", lambda: moved)
    assert STOPPED in client_for(headteacher).get("/").content.decode()
    assert STOPPED not in client_for(teacher).get("/").content.decode()


def test_one_failing_job_stops_no_other(db, monkeypatch):
    ran = []

    def broken(run):
        raise RuntimeError("disk full")

    scheduler = jobs.Scheduler((jobs.Job("broken", 60, broken),
                                jobs.Job("fine", 60, lambda run: ran.append(1))))
    assert scheduler.run_due(now=0) == ["broken", "fine"]
    assert ran == [1] and scheduler.failures == {"broken": "RuntimeError: disk full"}
    assert scheduler.run_due(now=30) == []  # not their turn yet
    assert scheduler.run_due(now=61) == ["broken", "fine"]


def test_the_jobs_command_runs_each_job_once_for_cron(reported, headteacher):
    call_command("jobs", "--once")
    assert IntegrityCheck.objects.filter(school=headteacher.school).count() == 1


def test_the_jobs_command_fails_when_a_job_fails(db, monkeypatch):
    def broken(run):
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "JOBS", (jobs.Job("broken", 60, broken),))
    monkeypatch.setattr("esafety.web.management.commands.jobs.JOBS", jobs.JOBS)
    monkeypatch.setattr(jobs.Scheduler.__init__, "__defaults__", (jobs.JOBS,))
    monkeypatch.setattr(jobs.Scheduler.__init__, "__kwdefaults__", {"enqueue": False})
    with pytest.raises(CommandError, match="1 of 1 jobs failed"):
        call_command("jobs", "--once")


def ready_tasks():
    return sorted((r.task_path.rsplit(".", 1)[1], tuple(r.args_kwargs["args"]))
                  for r in DBTaskResult.objects.filter(status="READY"))


PER_SCHOOL = ("expire_authorisations_task", "filter_log_retention_task", "filtering_check_task",
              "handoff_checks_task", "ingest_filter_logs", "mail_filter_turn_task",
              "retention_task", "send_daily_digest_task", "takedowns_due_task",
              "training_reminders_task")


def every_task(*school_ids):
    """What one turn of every job queues: each school's tasks, and the two install-wide."""
    return sorted([(name, (school_id,)) for name in PER_SCHOOL for school_id in school_ids]
                  + [("prune_finished_tasks", ()), ("run_history_checks", ())])


# The worker commits as it goes (it claims a task, runs it, records the result), as it does
# beside a school's server: these tests use a real, committed database.
@pytest.mark.django_db(transaction=True)
def test_the_worker_s_scheduler_queues_the_jobs_instead_of_running_them(
        disposable_append_only_tables, reported, headteacher, outsider):
    scheduler = jobs.Scheduler(enqueue=True)
    assert scheduler.run_due(now=0) == [job.name for job in jobs.JOBS]
    assert [job.name for job in jobs.JOBS] == [
        "load the filter helpers' logs", "daily history check", "tidy the queue's finished tasks",
        "daily concerns summary", "handoff checks", "filter log retention",
        "access authorisations ending", "daily filtering check", "retention schedule",
        "mail filter", "training reminders", "published items to take down"]
    assert not IntegrityCheck.objects.exists()  # queued, not run
    assert ready_tasks() == every_task(headteacher.school_id, outsider.school_id)
    # The worker runs them: the same daily check as before.
    call_command("worker", "--batch", verbosity=0)
    assert ready_tasks() == []
    assert {c.school_id for c in IntegrityCheck.objects.all()} == {headteacher.school_id,
                                                                    outsider.school_id}
    assert set(DBTaskResult.objects.values_list("status", flat=True)) == {"SUCCESSFUL"}


@pytest.mark.django_db(transaction=True)
def test_a_task_still_waiting_is_not_queued_again_at_the_next_turn(
        disposable_append_only_tables, reported, headteacher):
    scheduler = jobs.Scheduler(enqueue=True)
    scheduler.run_due(now=0)
    scheduler.run_due(now=61)  # the worker has not run the first turn's ingest yet
    scheduler.run_due(now=3601)
    assert ready_tasks() == every_task(headteacher.school_id)
    call_command("worker", "--batch", verbosity=0)
    scheduler.run_due(now=3662)  # done, so this turn queues a new one (the minute's jobs)
    assert ready_tasks() == [("ingest_filter_logs", (headteacher.school_id,)),
                             ("mail_filter_turn_task", (headteacher.school_id,))]


def test_the_jobs_command_runs_the_tasks_itself_without_queueing(reported, headteacher):
    call_command("jobs", "--once", stdout=io.StringIO())
    assert not DBTaskResult.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_died_part_way_is_queued_again_after_an_hour(
        disposable_append_only_tables, reported, headteacher):
    scheduler = jobs.Scheduler((jobs.JOBS[1],), enqueue=True)
    scheduler.run_due(now=0)
    # A worker took it and was killed: it stays "running" on the database queue.
    DBTaskResult.objects.update(status="RUNNING", started_at=timezone.now())
    scheduler.run_due(now=3601)
    assert DBTaskResult.objects.count() == 1
    DBTaskResult.objects.update(started_at=timezone.now() - datetime.timedelta(minutes=61))
    scheduler.run_due(now=7202)
    assert ready_tasks() == [("run_history_checks", ())]


def test_two_schedulers_on_the_database_queue_queue_each_task_once(reported, headteacher):
    # Two workers both left to schedule, or one restarted with its tasks still waiting.
    jobs.Scheduler(enqueue=True).run_due(now=0)
    jobs.Scheduler(enqueue=True).run_due(now=0)
    assert ready_tasks() == every_task(headteacher.school_id)


def test_cron_runs_an_hourly_job_once_an_hour_however_often_it_is_called(db):
    ran = []
    hourly = (jobs.Job("hourly", 3600, lambda run: ran.append(1)),)
    # `esafety jobs --once` every minute: a new process, so a new scheduler, each time.
    for minute in range(3):
        jobs.Scheduler(hourly).run_due(now=0, wall=7200.0 + 60 * minute)
    assert ran == [1]
    jobs.Scheduler(hourly).run_due(now=0, wall=7200.0 + 3600)  # the next hour
    assert ran == [1, 1]


def test_a_cron_job_that_failed_runs_again_at_the_next_call(db):
    calls = []

    def flaky(run):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database busy")

    scheduler = jobs.Scheduler((jobs.Job("flaky", 3600, flaky),))
    scheduler.run_due(now=0, wall=7200.0)
    assert scheduler.failures
    again = jobs.Scheduler((jobs.Job("flaky", 3600, flaky),))
    again.run_due(now=0, wall=7260.0)
    assert calls == [1, 1] and not again.failures


def test_cron_does_not_run_a_turn_a_worker_has_queued(db):
    ran = []
    job = jobs.Job("hourly", 3600, lambda run: ran.append(1))
    assert jobs._claim_turn(job, 7200.0, "worker-on-another-host")
    assert jobs.Scheduler((job,)).run_due(now=0, wall=7230.0) == []
    assert ran == []

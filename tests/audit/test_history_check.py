"""The history check: the headteacher and DSL are warned on every page while the incident
log or the audit trail fails verification; it runs daily (the scheduled jobs:
integrity.run_due_checks, tests/web/test_jobs.py) and on demand ("Check now")."""

import datetime

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from esafety.audit import integrity
from esafety.audit.models import AuditEvent, IntegrityCheck
from esafety.incidents import actions
from esafety.incidents.models import Incident

WARNING = "Warning: some records were changed outside esafety."


@pytest.fixture
def reported(pupil, dsl):
    return actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                   description="Mean comments in the form group chat.")


def _tamper(incident):
    Incident.objects.filter(pk=incident.pk).update(summary="Nothing happened")


@pytest.fixture
def later(monkeypatch):
    """Move the clock the check reads on by `hours`."""
    def move(hours):
        moved = timezone.now() + datetime.timedelta(hours=hours)
        monkeypatch.setattr(integrity, "_now", lambda: moved)
    return move


def test_the_head_and_dsl_are_warned_on_every_page_when_history_was_changed(
        reported, headteacher, dsl, client_for):
    _tamper(reported)
    integrity.run_due_checks()
    for person in (headteacher, dsl):
        client = client_for(person)
        for url in ("/", "/incidents/"):
            page = client.get(url).content.decode()
            assert WARNING in page, (person.role, url)
            assert "/audit/history-check/" in page


def test_nobody_else_is_warned(reported, teacher, pupil, online_safety_lead, client_for):
    _tamper(reported)
    for person in (teacher, pupil, online_safety_lead):
        assert WARNING not in client_for(person).get("/").content.decode(), person.role
    assert not IntegrityCheck.objects.exists()


def test_no_warning_while_all_is_well(reported, headteacher, client_for):
    integrity.run_due_checks()
    assert WARNING not in client_for(headteacher).get("/").content.decode()
    check = IntegrityCheck.objects.get()
    assert check.ok and check.how == IntegrityCheck.DAILY and check.incidents == 1


def test_the_check_runs_again_once_the_last_is_over_a_day_old(reported, headteacher,
                                                              client_for, later):
    client = client_for(headteacher)
    integrity.run_due_checks()
    _tamper(reported)
    assert integrity.run_due_checks() == []  # checked less than a day ago
    assert WARNING not in client.get("/").content.decode()
    assert IntegrityCheck.objects.count() == 1
    later(hours=25)
    integrity.run_due_checks()
    assert WARNING in client.get("/").content.decode()
    assert IntegrityCheck.objects.count() == 2


def test_check_now_runs_at_once_and_is_audited(reported, headteacher, client_for):
    client = client_for(headteacher)
    client.get("/")
    _tamper(reported)
    answer = client.post("/audit/history-check/now/", follow=True)
    page = answer.content.decode()
    assert "Some records were changed outside esafety" in page
    assert f"{reported.reference}" in page and "its details were changed outside esafety" in page
    latest = integrity.latest(headteacher.school)
    assert latest.how == IntegrityCheck.ON_DEMAND and latest.requested_by == headteacher
    assert not latest.ok
    event = AuditEvent.objects.get(event_type="history_checked")
    assert event.actor == headteacher and event.details["all_in_order"] is False


def test_the_dsl_can_check_now_too(reported, dsl, client_for):
    answer = client_for(dsl).post("/audit/history-check/now/", follow=True)
    assert "every incident&#x27;s history and the audit trail are as esafety recorded" in (
        answer.content.decode())


@pytest.mark.parametrize("who", ["teacher", "pupil", "online_safety_lead", "it_manager"])
def test_others_get_404_for_the_check_and_cannot_run_it(reported, who, request, client_for):
    client = client_for(request.getfixturevalue(who))
    assert client.get("/audit/history-check/").status_code == 404
    assert client.post("/audit/history-check/now/").status_code == 404
    assert not IntegrityCheck.objects.exists()


def test_another_school_s_head_sees_only_their_own_school_s_check(reported, outsider,
                                                                  client_for):
    _tamper(reported)
    integrity.run_due_checks()
    page = client_for(outsider).get("/audit/history-check/").content.decode()
    assert "All in order" in page and reported.reference not in page and WARNING not in page


def test_check_now_only_answers_a_post(headteacher, client_for):
    assert client_for(headteacher).get("/audit/history-check/now/").status_code == 405


def test_an_all_well_record_forged_in_the_database_is_not_believed(reported, headteacher,
                                                                   client_for):
    _tamper(reported)
    IntegrityCheck.objects.create(school=headteacher.school, how=IntegrityCheck.DAILY, ok=True,
                                  seal="0" * 64)
    page = client_for(headteacher).get("/").content.decode()
    assert WARNING in page and "cannot be trusted" in page


def test_a_case_the_dsl_cannot_open_is_not_named_to_them(reported, dsl, headteacher, teacher,
                                                         online_safety_lead, client_for):
    allegation = actions.incident_report(actor=online_safety_lead, kind="staff_misuse",
                                         description="A teacher messaged a pupil privately.",
                                         subject_staff=teacher)
    _tamper(allegation)
    integrity.run_due_checks()
    dsl_page = client_for(dsl).get("/audit/history-check/").content.decode()
    assert allegation.reference not in dsl_page
    assert "1 finding about cases you cannot open" in dsl_page
    head_page = client_for(headteacher).get("/audit/history-check/").content.decode()
    assert allegation.reference in head_page


def test_the_command_stores_each_school_s_result_for_the_warning(reported, headteacher,
                                                                 outsider, client_for):
    _tamper(reported)
    with pytest.raises(CommandError):
        call_command("evidence", "verify")
    mine = integrity.latest(headteacher.school)
    theirs = integrity.latest(outsider.school)
    assert mine.how == IntegrityCheck.COMMAND and not mine.ok
    assert [p["reference"] for p in mine.problems] == [reported.reference]
    assert theirs.ok  # another school's altered case is not theirs to hear about
    assert WARNING in client_for(headteacher).get("/").content.decode()
    assert IntegrityCheck.objects.filter(school=headteacher.school).count() == 1


def test_an_altered_audit_trail_warns_too(reported, headteacher, client_for):
    from django.db import connection

    from esafety.audit import guards

    guards.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_label = 'Someone else'")
    guards.install(connection)
    integrity.run_due_checks()
    page = client_for(headteacher).get("/audit/history-check/").content.decode()
    assert WARNING in page and "Audit trail" in page and "was altered" in page


def test_the_head_and_dsl_find_the_check_on_their_home_page(reported, headteacher, dsl,
                                                            teacher, client_for):
    integrity.run_due_checks()
    for person in (headteacher, dsl):
        page = client_for(person).get("/").content.decode()
        assert "History check" in page and "all in order" in page, person.role
    assert "History check" not in client_for(teacher).get("/").content.decode()


def test_a_wholesale_rewrite_keeps_the_first_findings_and_counts_the_rest(
        reported, headteacher, monkeypatch):
    from django.db import connection

    from esafety.audit import events, guards

    for _ in range(3):
        events.record(event_type="incident_viewed", actor=headteacher, obj=reported)
    guards.remove(connection)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET actor_label = 'Someone else'")
    guards.install(connection)
    monkeypatch.setattr(integrity, "MAX_KEPT", 1)
    check = integrity.run_check(school=headteacher.school, how=IntegrityCheck.COMMAND)
    assert len(check.problems) == 2 and check.problems[-1]["text"].endswith("more problems")
    assert integrity.is_genuine(check)

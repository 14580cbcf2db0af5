"""Filtering's structure: pages only read, emails never fail silently, audit rows only
through filtering/events.py, actions by aggregate."""

import json
import re
import time
from pathlib import Path

import pytest

from esafety.audit.models import AuditEvent
from esafety.filtering import actions, publish
from esafety.filtering.models import BlockedAttempt, FilteringAlert, FilteringSettings

FILTERING = Path(__file__).resolve().parents[2] / "esafety" / "filtering"


def record(user, t):
    return {"t": t, "user": user, "url": "http://proxysite.com/", "action": "block",
            "category": "redirector", "group": "ks3", "rule": "group-policy",
            "client": "10.0.0.9", "policy": "3"}


@pytest.fixture
def waiting_file(imported, school, pupil):
    folder = publish.snapshot_dir(school) / "decisions"
    folder.mkdir(parents=True)
    path = folder / "4-4-4.jsonl"
    path.write_text(json.dumps(record("pupil", time.time())) + "\n")
    return path


@pytest.mark.parametrize("page", ["/filtering/attempts/", "/filtering/alerts/"])
def test_opening_the_attempts_or_alerts_page_loads_nothing(page, waiting_file, it_manager,
                                                           client_for):
    response = client_for(it_manager).get(page)

    assert response.status_code == 200
    assert waiting_file.exists()
    assert BlockedAttempt.objects.count() == 0
    assert "1 file of newer attempts from the filter is waiting" in response.content.decode()


def test_the_load_button_on_the_alerts_page_returns_there(waiting_file, it_manager,
                                                          client_for):
    response = client_for(it_manager).post("/filtering/attempts/load/", {"back": "alerts"})

    assert response.status_code == 302 and response["Location"] == "/filtering/alerts/"
    assert BlockedAttempt.objects.count() == 1


def test_only_those_who_see_the_logs_may_load_them(waiting_file, teacher, client_for):
    assert client_for(teacher).post("/filtering/attempts/load/").status_code == 404
    assert waiting_file.exists()


def test_the_policy_page_saves_no_settings(school, it_manager, client_for):
    assert client_for(it_manager).get("/filtering/policy/").status_code == 200
    assert not FilteringSettings.objects.filter(school=school).exists()


def _broken_mail(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("connection refused")

    monkeypatch.setattr("esafety.mail.send_mail", refuse)


def test_an_alert_email_that_fails_is_recorded_and_shown(
        imported, school, pupil, online_safety_lead, it_manager, client_for, monkeypatch,
        django_capture_on_commit_callbacks):
    _broken_mail(monkeypatch)
    now = time.time()
    with django_capture_on_commit_callbacks(execute=True):
        _, alerts = actions.decisions_ingest(school=school, records=[
            record("pupil", now - 60 * i) for i in range(5)])
    assert len(alerts) == 1 and FilteringAlert.objects.count() == 1  # the alert stands

    failed = AuditEvent.objects.get(event_type="filtering_email_failed")
    assert failed.details["recipients"] == [online_safety_lead.email]
    assert "connection refused" in failed.details["error"]
    alerts_page = client_for(it_manager).get("/filtering/alerts/").content.decode()
    assert "Emails that could not be sent" in alerts_page
    assert "Repeated attempts to reach blocked sites" in alerts_page
    home = client_for(it_manager).get("/filtering/").content.decode()
    assert "1 filtering email (alerts or wrong-block reports) could not be sent" in home


def test_a_wrong_block_email_that_fails_is_recorded(imported, school, it_manager, teacher,
                                                    monkeypatch,
                                                    django_capture_on_commit_callbacks):
    _broken_mail(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        report = actions.wrong_block_report(actor=teacher, url="http://example.org/",
                                            comment="needed for maths")
    assert report.pk
    failed = AuditEvent.objects.get(event_type="filtering_email_failed")
    assert failed.object_label == "Wrong block reported: example.org"
    assert failed.details["recipients"] == [it_manager.email]


def test_an_alert_with_nobody_to_email_is_recorded(imported, school, pupil,
                                                   django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        actions.decisions_ingest(school=school, records=[
            record("pupil", time.time() - 60 * i) for i in range(5)])
    failed = AuditEvent.objects.get(event_type="filtering_email_failed")
    assert failed.details["error"] == ("nobody who receives filtering alerts (online safety "
                                       "lead, assistant headteacher, headteacher) has an "
                                       "email address")


def _sources():
    return [p for p in FILTERING.rglob("*.py") if "migrations" not in p.parts]


def test_only_events_py_writes_filtering_audit_rows():
    writers = [p.relative_to(FILTERING).as_posix() for p in _sources()
               if re.search(r"\brecord\(\s*event_type=|AuditEvent\(|AuditEvent\.objects\.create",
                            p.read_text())]
    assert writers == ["events.py"]


def test_no_email_is_sent_silently():
    assert [p.name for p in _sources() if "fail_silently=True" in p.read_text()] == []


def test_actions_are_small_modules_with_an_explicit_public_list():
    sizes = {p.name: len(p.read_text().splitlines())
             for p in (FILTERING / "actions").glob("*.py")}
    assert max(sizes.values()) <= 300, sizes
    init = (FILTERING / "actions" / "__init__.py").read_text()
    assert "dir()" not in init and "import *" not in init
    assert set(actions.__all__) <= set(vars(actions))


def test_views_make_no_queries_of_their_own():
    for name in ("views.py", "policy_views.py"):
        views = (FILTERING / name).read_text()
        assert ".objects." not in views and "AuditEvent" not in views, name


def test_filtering_defines_no_role_sets_of_its_own():
    # Who may do what is in esafety/directory/permissions.py; filtering asks it.
    found = [p.relative_to(FILTERING).as_posix() for p in _sources()
             if re.search(r"frozenset\(\{roles\.|roles\.[A-Z_]+_ROLES|\bCAN_[A-Z_]+ =",
                          p.read_text())]
    assert found == []
    assert "suspension_roles" not in (FILTERING / "defaults.yaml").read_text()

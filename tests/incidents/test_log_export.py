"""Downloading the incident log: the cases the user may see, formula-safe, and recorded."""

import csv
import io

import pytest
from django.urls import reverse

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.incidents import actions

URL = reverse("incidents:export")


def _rows(response):
    assert response.status_code == 200, response.content.decode()[:500]
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8").lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


@pytest.fixture
def allegation(teacher, make_person):
    reporter = make_person(roles.SUPPORT_STAFF, username="ta")
    return actions.incident_report(actor=reporter, kind="staff_misuse", subject_staff=teacher,
                                   summary="Messages to a pupil",
                                   description="Saw a teacher messaging a pupil on Instagram")


def test_the_dsl_downloads_the_cases_they_may_see_and_it_is_recorded(
        with_bully, allegation, dsl, client_for):
    rows = _rows(client_for(dsl).get(URL))
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Reference", "Reported", "When it happened"]
    assert [r[0] for r in body] == [with_bully.reference]
    row = dict(zip(header, body[0], strict=True))
    assert row["Type"] == "Cyberbullying"
    assert "Bo Bully: Alleged perpetrator" in row["People and their parts"]
    assert row["Investigators"] == "Dev Safeguard; Olu Safety"
    recorded = AuditEvent.objects.get(event_type="incident_log_exported")
    assert recorded.actor == dsl
    assert recorded.details["incidents"] == [with_bully.pk]
    assert allegation.reference not in str(rows)


def test_the_headteacher_gets_the_allegation_too(with_bully, allegation, headteacher,
                                                client_for):
    body = _rows(client_for(headteacher).get(URL))[1:]
    assert sorted(r[0] for r in body) == sorted([with_bully.reference, allegation.reference])


def test_the_search_criteria_narrow_the_download(with_bully, dsl, pupil, client_for):
    other = actions.incident_report(actor=pupil, kind="security_breach", via="pupil",
                                    description="Someone got into my account")
    client = client_for(dsl)
    assert [r[0] for r in _rows(client.get(URL, {"kind": "security_breach"}))[1:]] == [
        other.reference]
    assert [r[0] for r in _rows(client.get(URL, {"person": "Bully"}))[1:]] == [
        with_bully.reference]
    recorded = AuditEvent.objects.filter(event_type="incident_log_exported").order_by("seq")
    assert [r.details["filters"] for r in recorded] == [{"kind": "security_breach"},
                                                        {"person": "Bully"}]


@pytest.mark.parametrize("role", [roles.ONLINE_SAFETY_LEAD, roles.ASSISTANT_HEAD,
                                  roles.TEACHER, roles.PUPIL, roles.GOVERNOR])
def test_a_role_that_may_not_download_gets_404_and_nothing_is_recorded(
        reported, make_person, client_for, role):
    person = make_person(role)
    assert client_for(person).get(URL).status_code == 404
    assert not AuditEvent.objects.filter(event_type="incident_log_exported").exists()


def test_the_online_safety_lead_sees_the_log_but_no_download_link(reported, online_safety_lead,
                                                                  dsl, client_for):
    assert "Download this list" not in client_for(online_safety_lead).get(
        reverse("incidents:home")).content.decode()
    assert "Download this list" in client_for(dsl).get(
        reverse("incidents:home")).content.decode()


def test_a_headteacher_of_another_school_downloads_nothing_of_this_one(reported, outsider,
                                                                      client_for):
    rows = _rows(client_for(outsider).get(URL))
    assert rows == [rows[0]]  # the header only
    recorded = AuditEvent.objects.get(event_type="incident_log_exported")
    assert recorded.details["incidents"] == []
    assert recorded.school_id == outsider.school_id


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://evil.example\",\"x\")",
                                       "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
                                       "\tcmd", "\rcmd"])
def test_cells_that_a_spreadsheet_would_run_as_formulas_are_quoted(
        dsl, make_person, client_for, dangerous):
    named = make_person(roles.PUPIL, first_name=dangerous, last_name="")
    incident = actions.incident_report(actor=named, kind="cyberbullying", via="pupil",
                                       description="Mean comments", summary=dangerous,
                                       location=dangerous, people=[named])
    rows = _rows(client_for(dsl).get(URL))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Reference"] == incident.reference
    assert row["Summary"] == "'" + dangerous
    assert row["Where"] == "'" + dangerous
    for column in ("Reported by", "People and their parts"):
        # A name is quoted, or (tab, CR) its leading space was trimmed when it was shown.
        assert not row[column].startswith(("=", "+", "-", "@", "\t", "\r")), row[column]
        assert row[column].lstrip("'").startswith(dangerous.strip()), row[column]


@pytest.mark.parametrize("query", [{"since": "31/02/2026"}, {"until": "tomorrow"},
                                   {"since": "2026-05-02", "until": "2026-05-01"}])
def test_a_bad_date_gets_a_message_not_a_file_and_nothing_is_recorded(reported, dsl,
                                                                      client_for, query):
    response = client_for(dsl).get(URL, query)
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/html")
    assert not AuditEvent.objects.filter(event_type="incident_log_exported").exists()


def test_the_trail_hides_a_download_that_held_an_allegation_from_its_subject(
        allegation, headteacher, teacher, client_for):
    from esafety.audit.selectors import trail_for

    client_for(headteacher).get(URL)
    row = AuditEvent.objects.get(event_type="incident_log_exported")
    assert row not in trail_for(teacher)
    assert row in trail_for(headteacher)

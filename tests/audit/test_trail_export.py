"""Downloading the audit trail: the rows the trail page shows with the same filters,
formula-safe, and recorded on the trail itself."""

import csv
import io

import pytest
from django.urls import reverse

from esafety.audit import events
from esafety.audit.models import AuditEvent
from esafety.directory import actions, roles

URL = reverse("audit:export")


def _rows(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(text)))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def left(headteacher, teacher):
    actions.person_leave(actor=headteacher, person=teacher)
    return AuditEvent.objects.get(event_type="person_left")


def test_the_headteacher_downloads_what_the_trail_page_shows(left, headteacher, client_for):
    events.record(event_type="policy_created", actor=headteacher, object_label="Online safety")
    client = client_for(headteacher)
    page = client.get("/audit/")
    shown = [e.seq for e in page.context["page"]]
    rows = _rows(client.get(URL))
    assert [int(r["Sequence"]) for r in rows] == shown
    assert rows[0]["What happened"] == "Created a policy"
    assert rows[1]["Event type"] == "person_left"
    assert rows[1]["Who"] == "Helen Head"
    assert "Download these" in page.content.decode()


def test_the_same_filters_narrow_the_download(left, headteacher, client_for):
    events.record(event_type="policy_created", actor=headteacher, object_label="Online safety")
    client = client_for(headteacher)
    rows = _rows(client.get(URL, {"event_type": "person_left"}))
    assert [r["Event type"] for r in rows] == ["person_left"]
    assert [r["Record"] for r in _rows(client.get(URL, {"q": "Tom"}))] == ["Tom Teach"]


def test_the_download_is_recorded_and_is_not_in_itself(left, headteacher, client_for):
    client = client_for(headteacher)
    rows = _rows(client.get(URL, {"event_type": "person_left"}))
    recorded = AuditEvent.objects.get(event_type="audit_trail_exported")
    assert recorded.actor == headteacher
    assert recorded.school_id == headteacher.school_id
    assert recorded.details == {"rows": 1, "filters": {"event_type": "person_left"}}
    assert len(rows) == 1
    # A second download shows the first one (and not itself).
    again = _rows(client.get(URL))
    assert [r["Event type"] for r in again].count("audit_trail_exported") == 1


@pytest.mark.parametrize("role", [roles.DSL, roles.ONLINE_SAFETY_LEAD, roles.TEACHER,
                                  roles.PUPIL, roles.GOVERNOR, roles.IT_MANAGER])
def test_a_role_that_may_not_download_gets_404_and_nothing_is_recorded(left, make_person,
                                                                       client_for, role):
    response = client_for(make_person(role)).get(URL)
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(event_type="audit_trail_exported").exists()


def test_a_headteacher_of_another_school_downloads_only_their_own(left, outsider, client_for):
    rows = _rows(client_for(outsider).get(URL))
    assert rows == []
    assert AuditEvent.objects.get(event_type="audit_trail_exported").school_id == (
        outsider.school_id)


def test_what_the_trail_hides_from_an_accused_head_the_download_hides_too(
        headteacher, teacher, make_person, client_for):
    from esafety.incidents import actions as incidents

    make_person(roles.GOVERNOR, username="chair", first_name="Gita", last_name="Chair")
    allegation = incidents.incident_report(actor=teacher, kind="staff_misuse",
                                           description="Shared pupils' data on a personal "
                                                       "account.", subject_staff=headteacher)
    rows = _rows(client_for(headteacher).get(URL))
    assert not [r for r in rows if r["Record id"] == str(allegation.pk)
                and r["Record type"] == "incident"]
    assert "Tom Teach" not in str(rows)


@pytest.mark.parametrize("dangerous", ["=HYPERLINK(\"http://evil.example\",\"x\")",
                                       "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
                                       "\tcmd", "\rcmd"])
def test_cells_a_spreadsheet_would_run_as_formulas_are_quoted(headteacher, client_for,
                                                              dangerous):
    events.record(event_type="policy_created", actor=headteacher, object_label=dangerous,
                  object_type="document", details={"title": dangerous})
    row = _rows(client_for(headteacher).get(URL, {"event_type": "policy_created"}))[0]
    assert row["Record"] == "'" + dangerous
    assert not row["Details"].startswith(("=", "+", "-", "@", "\t", "\r"))


@pytest.mark.parametrize("query", [{"since": "not a date"}, {"until": "2026-02-31"},
                                   {"event_type": "no_such_event"}])
def test_bad_filters_get_a_message_not_a_file_and_nothing_is_recorded(left, headteacher,
                                                                      client_for, query):
    response = client_for(headteacher).get(URL, query)
    assert response.status_code == 400
    assert "Please check the filters" in response.content.decode()
    assert not AuditEvent.objects.filter(event_type="audit_trail_exported").exists()

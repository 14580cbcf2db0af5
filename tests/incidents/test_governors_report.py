import csv
import datetime
import io
import re

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from esafety.directory import roles
from esafety.incidents import actions, rules
from esafety.incidents.report import build_report


@pytest.fixture
def term(investigated, dsl, teacher, make_person):
    bully = make_person(roles.PUPIL, first_name="Bea", last_name="Bully")
    actions.involvement_set(actor=dsl, incident=investigated, person=bully,
                            part=rules.PART_ALLEGED)
    actions.misuse_rate(actor=dsl, incident=investigated, person=bully, rating="serious")
    actions.incident_judge(actor=dsl, incident=investigated, outcome="internal", reasons="r")
    actions.incident_close(actor=dsl, incident=investigated)
    actions.incident_report(actor=teacher, kind="device_loss", description="Laptop left on bus")
    today = timezone.localdate()
    return today - datetime.timedelta(days=60), today


def test_counts_by_type_outcome_rating_and_response(term, school):
    report = build_report(school=school, start=term[0], end=term[1])
    assert report.total == 2 and report.closed == 1 and report.open == 1
    assert dict(report.by_type)["Cyberbullying"] == 1
    assert dict(report.by_type)["Loss or theft of a device or data"] == 1
    assert dict(report.by_outcome)["Internal response or discipline procedures"] == 1
    assert dict(report.by_outcome)["Not yet judged"] == 1
    assert dict(report.by_rating)["Serious"] == 1
    assert dict(report.by_response)["within 1 hour"] == 1
    assert dict(report.by_response)["no response yet"] == 1
    assert sum(n for _, n in report.by_month) == 2


def test_the_csv_is_anonymised(term, school, pupil):
    report_dir = build_report(school=school, start=term[0], end=term[1])
    from esafety.incidents.report import report_csv

    text = report_csv(report_dir)
    rows = list(csv.reader(io.StringIO(text)))
    assert ["summary", "total", "fewer than 5"] in rows
    assert pupil.last_name not in text and "INC-" not in text


def test_the_pdf_command_writes_a_report_a_governor_can_read(term, school, tmp_path, pupil):
    out = tmp_path / "report.pdf"
    call_command("report", "incidents", "--school", school.slug, "--from", str(term[0]),
                 "--to", str(term[1]), "--format", "pdf", "--output", str(out))
    text = " ".join(p.extract_text() for p in PdfReader(str(out)).pages)
    assert "Online safety incidents: report to governors" in text
    assert "Hollins Park School" in text
    assert "Cyberbullying" in text and "Incidents by month" in text
    assert pupil.display_name not in text


def test_the_csv_command_prints_to_standard_output(term, school, capsys):
    call_command("report", "incidents", "--school", school.slug, "--from", str(term[0]),
                 "--to", str(term[1]), "--format", "csv")
    assert "Incidents by type,Cyberbullying,fewer than 5" in capsys.readouterr().out


def test_the_command_refuses_bad_dates_and_unknown_schools(school):
    with pytest.raises(CommandError, match="not a date"):
        call_command("report", "incidents", "--school", school.slug, "--from", "13/13/2026",
                     "--to", "2026-01-01")
    with pytest.raises(CommandError, match="no school"):
        call_command("report", "incidents", "--school", "nowhere", "--from", "2026-01-01",
                     "--to", "2026-02-01")
    with pytest.raises(CommandError, match="before the start"):
        call_command("report", "incidents", "--school", school.slug, "--from", "2026-03-01",
                     "--to", "2026-02-01")


def test_the_screen_shows_charts_and_offers_the_pdf(term, headteacher, client_for):
    client = client_for(headteacher)
    query = {"start": str(term[0]), "end": str(term[1])}
    page = client.get(reverse("incidents:governors_report"), query)
    assert page.status_code == 200 and "<svg" in page.content.decode()
    pdf = client.get(reverse("incidents:governors_report"), {**query, "format": "pdf"})
    assert pdf["Content-Type"] == "application/pdf"
    pages = PdfReader(io.BytesIO(pdf.content)).pages
    assert "Incidents by type" in " ".join(p.extract_text() for p in pages)


# --- nobody can be picked out: a half term at least, small counts not shown ---------------

def _url(**query):
    return reverse("incidents:governors_report") + "?" + "&".join(
        f"{k}={v}" for k, v in query.items())


@pytest.mark.parametrize("days", [1, 7, 41])
def test_a_period_shorter_than_a_half_term_is_refused_with_a_clear_message(
        days, term, governor, client_for):
    client = client_for(governor)
    end = term[1]
    start = end - datetime.timedelta(days=days - 1)
    for fmt in ("", "csv", "pdf"):
        response = client.get(reverse("incidents:governors_report"),
                              {"start": str(start), "end": str(end), "format": fmt})
        assert response.status_code == 400, fmt
        assert response["Content-Type"].startswith("text/html")
        text = response.content.decode()
        assert "covers at least a half term (6 weeks)" in text
        assert "Incidents by type" not in text


def test_a_half_term_exactly_is_accepted(term, governor, client_for):
    end = term[1]
    start = end - datetime.timedelta(days=41)
    response = client_for(governor).get(reverse("incidents:governors_report"),
                                        {"start": str(start), "end": str(end)})
    assert response.status_code == 200


def test_a_period_ending_in_the_future_is_refused(term, governor, client_for):
    # Otherwise "the next six weeks" from yesterday would be a report on one day.
    today = timezone.localdate()
    response = client_for(governor).get(reverse("incidents:governors_report"), {
        "start": str(today - datetime.timedelta(days=1)),
        "end": str(today + datetime.timedelta(days=41))})
    assert response.status_code == 400
    assert "cannot end after today" in response.content.decode()


@pytest.mark.parametrize("start,end", [
    ("0001-01-01", "9999-12-31"), ("9999-12-31", "9999-12-31"), ("0001-01-01", "0001-03-01"),
    ("2026-02-30", "2026-01-01"), ("", ""), ("x", "y"), ("2026-01-01", "")])
def test_impossible_periods_get_a_page_not_a_server_error(start, end, term, headteacher,
                                                          client_for):
    for fmt in ("", "csv", "pdf"):
        response = client_for(headteacher).get(reverse("incidents:governors_report"),
                                               {"start": start, "end": end, "format": fmt})
        assert response.status_code == 400, (start, end, fmt)


def test_the_action_and_the_command_refuse_a_short_period(term, school):
    from esafety.errors import InvalidInput

    with pytest.raises(InvalidInput, match="at least a half term"):
        build_report(school=school, start=term[1], end=term[1])
    with pytest.raises(CommandError, match="at least a half term"):
        call_command("report", "incidents", "--school", school.slug, "--from", str(term[1]),
                     "--to", str(term[1]))


def test_early_in_the_school_year_the_default_period_is_still_a_half_term(
        term, governor, client_for, monkeypatch):
    from esafety.directory.models import School

    today = timezone.localdate()
    monkeypatch.setattr(School, "school_year_start",
                        lambda self, when=None: today - datetime.timedelta(days=3))
    response = client_for(governor).get(reverse("incidents:governors_report"))
    assert response.status_code == 200
    start = today - datetime.timedelta(days=41)
    assert f'value="{start.isoformat()}"' in response.content.decode()


@pytest.fixture
def busy_term(term, teacher):
    for n in range(6):
        actions.incident_report(actor=teacher, kind="device_loss",
                                description=f"Laptop {n} left on the bus")
    return term  # 8 incidents: 7 device losses and 1 cyberbullying


def test_small_counts_are_shown_as_fewer_than_5_on_screen_in_the_pdf_and_the_csv(
        busy_term, governor, client_for):
    client = client_for(governor)
    query = {"start": str(busy_term[0]), "end": str(busy_term[1])}
    page = client.get(reverse("incidents:governors_report"), query).content.decode()
    page = re.sub(r' data-label="[^"]*"', "", page)  # each cell names its column on phones
    assert "<td>Cyberbullying</td><td>fewer than 5</td>" in page
    assert "<td>Loss or theft of a device or data</td><td>7</td>" in page
    assert '<p class="stat">8</p>' in page
    assert "<td>Cyberbullying</td><td>1</td>" not in page
    csv_text = client.get(reverse("incidents:governors_report"),
                          {**query, "format": "csv"}).content.decode()
    rows = list(csv.reader(io.StringIO(csv_text)))
    assert ["Incidents by type", "Cyberbullying", "fewer than 5"] in rows
    assert ["Incidents by type", "Loss or theft of a device or data", "7"] in rows
    assert ["Incidents by type", "Grooming or inappropriate contact", "fewer than 5"] in rows
    assert ["summary", "total", "8"] in rows
    assert ["summary", "closed", "fewer than 5"] in rows
    assert not [r for r in rows[1:] if r[2] in {"0", "1", "2", "3", "4"}]
    pdf = client.get(reverse("incidents:governors_report"), {**query, "format": "pdf"})
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Cyberbullying fewer than 5" in text
    assert "Loss or theft of a device or data 7" in text


def test_a_small_count_gets_no_bar_in_the_chart():
    from esafety.incidents.report import bar_chart_svg

    svg = bar_chart_svg([("Cyberbullying", "fewer than 5"), ("Device loss", 7)])
    assert svg.count("<rect") == 1 and "fewer than 5" in svg


def test_the_median_is_not_shown_for_fewer_than_5_incidents(term, school):
    from esafety.incidents.report import report_csv

    report = build_report(school=school, start=term[0], end=term[1])
    assert report.median_response_shown == "not shown (fewer than 5 incidents)"
    assert ["summary", "median hours to first response", "not shown (fewer than 5 incidents)"] \
        in list(csv.reader(io.StringIO(report_csv(report))))


@pytest.mark.parametrize("who", ["teacher", "pupil", "parent", "it_manager"])
def test_only_leaders_and_governors_read_the_report(who, request, term, client_for):
    person = request.getfixturevalue(who)
    for fmt in ("", "csv", "pdf"):
        response = client_for(person).get(reverse("incidents:governors_report"),
                                          {"start": str(term[0]), "end": str(term[1]),
                                           "format": fmt})
        assert response.status_code in (302, 404), (who, fmt)
        assert b"Incidents by type" not in response.content


def test_another_schools_head_sees_only_their_own_schools_figures(busy_term, outsider,
                                                                   client_for):
    response = client_for(outsider).get(reverse("incidents:governors_report"), {
        "start": str(busy_term[0]), "end": str(busy_term[1]), "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert ["summary", "total", "fewer than 5"] in rows  # theirs has none; ours has 8

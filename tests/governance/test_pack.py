"""The governors' pack: who may see it, the small-count rule in every format, the PDF read
back by text extraction, and a download recorded in the audit trail."""

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.errors import InvalidInput, NotAllowed
from esafety.governance import actions
from esafety.governance.pack import FEWER_THAN, build_pack
from esafety.incidents import actions as incidents


@pytest.fixture
def governor(make_person):
    return make_person(roles.GOVERNOR, username="chair", first_name="Gita", last_name="Chair")


def _period():
    end = timezone.localdate()
    return end - datetime.timedelta(days=90), end


@pytest.fixture
def seven_reports(pupil, dsl):
    found = []
    for n in range(7):
        found.append(incidents.incident_report(
            actor=pupil, kind="cyberbullying", via="pupil", people=[pupil],
            description=f"Comments about Priya Patel, number {n}."))
    found.append(incidents.incident_report(actor=pupil, kind="sexting", via="pupil",
                                           people=[pupil], description="One of a kind."))
    return found


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def test_the_pdf_holds_every_section_and_the_small_count_rule(governor, school, seven_reports):
    start, end = _period()
    name, pdf = actions.pack_download(actor=governor, school=school, start=start, end=end)
    assert name.endswith(".pdf") and pdf.startswith(b"%PDF")
    text = " ".join(_text(pdf).split())
    for title in ("Incidents and their outcomes", "Safeguarding concerns",
                  "Filtering and monitoring", "Acceptable use agreements", "Training coverage",
                  "Reviews due", "Consent exceptions", "Device and software exceptions",
                  "DfE filtering and monitoring standards"):
        assert title in text
    assert "Incidents reported 8" in text
    assert "Cyberbullying 7" in text
    assert FEWER_THAN in text  # the single sexting report, among others
    assert "Priya" not in text and "One of a kind" not in text
    assert "<svg" not in text


def test_a_count_under_five_never_reaches_the_pdf_as_a_number(governor, school, pupil, dsl):
    incidents.incident_report(actor=pupil, kind="sexting", via="pupil", people=[pupil],
                              description="Only one.")
    start, end = _period()
    _, pdf = actions.pack_download(actor=governor, school=school, start=start, end=end)
    text = " ".join(_text(pdf).split())
    assert "Incidents reported fewer than 5" in text
    assert "Incidents reported 1" not in text


def test_the_download_is_audited(governor, school):
    start, end = _period()
    actions.pack_download(actor=governor, school=school, start=start, end=end)
    row = AuditEvent.objects.get(event_type="governors_pack_downloaded")
    assert row.actor == governor and row.details == {"start": start.isoformat(),
                                                     "end": end.isoformat()}


def test_a_short_period_is_refused(governor, school):
    end = timezone.localdate()
    with pytest.raises(InvalidInput, match="half term"):
        build_pack(school=school, start=end - datetime.timedelta(days=10), end=end)


def test_other_roles_may_not_download(teacher, online_safety_lead, school):
    start, end = _period()
    for who in (teacher, online_safety_lead):
        with pytest.raises(NotAllowed):
            actions.pack_download(actor=who, school=school, start=start, end=end)


def test_an_outsider_may_not_download_this_schools_pack(outsider, school):
    start, end = _period()
    with pytest.raises(NotAllowed):
        actions.pack_download(actor=outsider, school=school, start=start, end=end)


def test_the_governor_head_and_dsl_see_the_page(client_for, governor, headteacher, dsl):
    for who in (governor, headteacher, dsl):
        response = client_for(who).get(reverse("governance:pack"))
        assert response.status_code == 200
        assert "<svg" in response.content.decode()


@pytest.mark.parametrize("role", [roles.TEACHER, roles.ONLINE_SAFETY_LEAD, roles.PUPIL,
                                  roles.PARENT, roles.IT_MANAGER])
def test_other_roles_get_404(client_for, make_person, role):
    who = make_person(role, username=f"someone-{role}")
    client = client_for(who)
    assert client.get(reverse("governance:pack")).status_code == 404
    assert client.post(reverse("governance:pack_pdf")).status_code == 404


def test_the_pdf_from_the_page(client_for, governor):
    start, end = _period()
    response = client_for(governor).post(reverse("governance:pack_pdf"), {
        "start": start.isoformat(), "end": end.isoformat()})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(event_type="governors_pack_downloaded").count() == 1


@pytest.mark.parametrize("data", [{"start": "rubbish", "end": "2026-01-01"},
                                  {"start": "2030-01-01", "end": "2031-01-01"},
                                  {"start": "2026-01-10", "end": "2026-01-01"},
                                  {"start": "1066-10-14", "end": "2026-01-01"}])
def test_bad_periods_are_messages_not_500s(client_for, governor, data):
    client = client_for(governor)
    assert client.get(reverse("governance:pack"), data).status_code == 400
    assert client.post(reverse("governance:pack_pdf"), data).status_code == 400
    assert not AuditEvent.objects.filter(event_type="governors_pack_downloaded").exists()


def test_get_never_downloads(client_for, governor):
    assert client_for(governor).get(reverse("governance:pack_pdf")).status_code == 405

import datetime
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from esafety.directory import roles
from esafety.errors import InvalidInput
from esafety.incidents import actions, rules
from esafety.incidents.models import Sanction


def pdf_text(data: bytes) -> str:
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    return " ".join(text.split())


def test_rating_shows_the_range_of_sanctions_the_policy_gives(with_bully, dsl, bully,
                                                              client_for):
    investigated = with_bully
    actions.misuse_rate(actor=dsl, incident=investigated, person=bully, rating="serious",
                        dimensions={"volume": "Forty messages in a week"},
                        factors={"instigator": "Started the group chat", "coercion": "None"})
    page = client_for(dsl).get(reverse("incidents:detail", args=[investigated.pk]))
    text = page.content.decode()
    assert "Internet use suspended for a lesson or period" in text
    assert "Further restrictions" in text
    assert "Started the group chat" in text and "Forty messages in a week" in text


def test_the_staff_range_follows_appendix_one():
    assert [c for c, _ in rules.sanction_range("gross", for_pupil=False)] == ["dismissal"]
    assert [c for c, _ in rules.sanction_range("mild", for_pupil=False)] == [
        "written_warning", "verbal_warning", "informal_process"]


@pytest.fixture
def rated_bully(substantiated, dsl, bully):
    """The case judged to have substance, with the bully's misuse rated mild."""
    actions.misuse_rate(actor=dsl, incident=substantiated, person=bully, rating="mild")
    return substantiated


@pytest.fixture
def bully_parent(make_person, bully):
    person = make_person(roles.PARENT, username="bparent", first_name="Bea", last_name="Bully")
    person.children.add(bully)
    return person


def test_a_rating_is_only_for_people_in_the_incident(investigated, dsl, teacher):
    with pytest.raises(InvalidInput) as refused:
        actions.misuse_rate(actor=dsl, incident=investigated, person=teacher, rating="mild")
    assert refused.value.code == "not-involved"


def test_a_staff_sanction_cannot_be_given_to_a_pupil(substantiated, dsl, bully):
    with pytest.raises(InvalidInput) as refused:
        actions.sanction_record(actor=dsl, incident=substantiated, person=bully,
                                kind="dismissal", reasons="r")
    assert refused.value.code == "unknown-sanction"


def test_an_internet_suspension_needs_its_period_and_reasons(rated_bully, dsl, bully):
    with pytest.raises(InvalidInput):
        actions.sanction_record(actor=dsl, incident=rated_bully, person=bully,
                                kind="internet_suspension", reasons="Repeated misuse")
    with pytest.raises(InvalidInput):
        actions.sanction_record(actor=dsl, incident=rated_bully, person=bully,
                                kind="letter_to_parents", reasons="")
    assert not Sanction.objects.exists()


def test_an_internet_suspension_is_applied_through_filtering_or_said_to_be_recorded_only(
        rated_bully, dsl, bully):
    investigated = rated_bully
    starts = timezone.now()
    made = actions.sanction_record(actor=dsl, incident=investigated, person=bully,
                                   kind="internet_suspension", reasons="Misuse in ICT lesson",
                                   starts_at=starts, ends_at=starts + datetime.timedelta(hours=1))
    try:
        from esafety.filtering.actions import internet_suspend  # noqa: F401
        expected = "Applied through web filtering"
    except ImportError:
        expected = "Recorded only"
    assert made.enforcement.startswith(expected)
    if expected.startswith("Applied"):
        from esafety.filtering.models import InternetSuspension

        suspension = InternetSuspension.objects.get(pupil=bully)
        assert suspension.reason.startswith(investigated.reference)


def test_a_suspension_that_has_already_ended_is_refused_and_nothing_is_saved(
        rated_bully, dsl, bully):
    pytest.importorskip("esafety.filtering.actions")
    ended = timezone.now() - datetime.timedelta(days=1)
    with pytest.raises(InvalidInput):
        actions.sanction_record(actor=dsl, incident=rated_bully, person=bully,
                                kind="internet_suspension", reasons="r", starts_at=ended,
                                ends_at=ended + datetime.timedelta(hours=1))
    assert not Sanction.objects.exists()


def test_the_letter_to_parents_renders_from_the_school_template(rated_bully, dsl, bully,
                                                                bully_parent, client_for):
    investigated = rated_bully
    made = actions.sanction_record(actor=dsl, incident=investigated, person=bully,
                                   kind="letter_to_parents",
                                   reasons="Posted unkind comments about a classmate.")
    response = client_for(dsl).get(reverse("incidents:letter", args=[investigated.pk, made.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Dear Bea Bully" in text
    assert "Bo Bully (Year 8)" in text
    assert "Posted unkind comments about a classmate." in text
    assert "Hollins Park School" in text


def test_the_schools_own_letter_template_is_used(rated_bully, dsl, headteacher, bully,
                                                 bully_parent):
    investigated = rated_bully
    from esafety.incidents.pdf import letter_pdf

    actions.incident_settings_update(
        actor=headteacher, school=headteacher.school, designated_person=dsl,
        chair_of_governors=None,
        letter_template="To {parent_name}: {pupil_first_name} lost internet use. {reference}")
    made = actions.sanction_record(actor=dsl, incident=investigated, person=bully,
                                   kind="letter_to_parents", reasons="r")
    text = pdf_text(letter_pdf(made))
    assert f"To Bea Bully: Bo lost internet use. {investigated.reference}" in text


def test_a_template_with_an_unknown_field_is_refused(headteacher):
    with pytest.raises(InvalidInput) as refused:
        actions.incident_settings_update(actor=headteacher, school=headteacher.school,
                                         designated_person=None, chair_of_governors=None,
                                         letter_template="Dear {parent}")
    assert "{parent}" in str(refused.value)


def test_takedown_requests_are_tracked_with_dates_and_outcomes(investigated, dsl):
    today = timezone.localdate()
    request = actions.takedown_request(actor=dsl, incident=investigated, target="site",
                                       target_name="ChatApp Trust & Safety",
                                       sent_on=today - datetime.timedelta(days=3),
                                       url="https://chat.example/group/123")
    with pytest.raises(InvalidInput):
        actions.takedown_update(actor=dsl, request=request, outcome="removed",
                                outcome_on=today + datetime.timedelta(days=1))
    updated = actions.takedown_update(actor=dsl, request=request, outcome="removed",
                                      outcome_on=today, notes="Group deleted")
    assert (updated.outcome, updated.outcome_on) == ("removed", today)


def test_the_incident_record_prints_for_the_investigating_group(investigated, dsl, pupil,
                                                                client_for):
    from esafety.audit.models import AuditEvent
    from tests.incidents.conftest import PNG

    shot = actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                                upload=("chat.png", PNG))
    actions.incident_note(actor=dsl, incident=investigated, text="Spoke to both families.")
    response = client_for(dsl).get(reverse("incidents:record", args=[investigated.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert f"Online safety incident record {investigated.reference}" in text
    assert "Dev Safeguard (Designated safeguarding lead); Olu Safety (Online safety lead)" in text
    assert shot.sha256[:16] in text.replace(" ", "")
    assert "Spoke to both families." in text
    head = investigated.events.order_by("-seq").first().hash
    assert head[:16] in text.replace(" ", "")
    assert AuditEvent.objects.filter(event_type="incident_viewed",
                                     details__what="record pdf").count() == 1

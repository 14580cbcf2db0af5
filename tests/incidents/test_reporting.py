import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.incidents.models import Evidence, Incident


def test_pupil_reports_through_the_short_form_and_the_dsl_is_emailed_at_once(
        pupil, dsl, client_for, django_capture_on_commit_callbacks):
    client = client_for(pupil)
    page = client.get(reverse("incidents:report"))
    assert "Tell us what happened" in page.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:report"), {
            "kind": "cyberbullying", "description": "Someone keeps sending me horrible messages.",
            "who": "A boy in Year 9"})
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.reported_by == pupil and incident.reported_via == "pupil"
    assert list(incident.people.all()) == [pupil]
    assert "Who was involved: A boy in Year 9" in incident.description
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [dsl.email]
    assert incident.reference in mail.outbox[0].subject
    # The email says where to look, never what was reported.
    assert "horrible" not in mail.outbox[0].body


def test_reporter_sees_the_status_of_their_own_report_but_not_the_investigation(
        reported, pupil, client_for):
    page = client_for(pupil).get(reverse("incidents:detail", args=[reported.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Your report" in text and "Reported" in text
    assert "Investigators" not in text and "History" not in text


def test_the_designated_person_named_by_the_school_is_told_instead_of_the_dsl(
        pupil, dsl, online_safety_lead, headteacher, django_capture_on_commit_callbacks):
    from esafety.incidents import actions

    actions.incident_settings_update(actor=headteacher, school=headteacher.school,
                                     designated_person=online_safety_lead, chair_of_governors=None,
                                     letter_template="Dear {parent_name}")
    with django_capture_on_commit_callbacks(execute=True):
        actions.incident_report(actor=pupil, kind="other", description="x", people=[pupil])
    assert [m.to for m in mail.outbox] == [[online_safety_lead.email]]


def test_parent_reports_about_their_own_child(parent, pupil, client_for):
    response = client_for(parent).post(reverse("incidents:report"), {
        "child": pupil.pk, "kind": "grooming",
        "description": "An adult he met in a game asked him to move to a private chat."})
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert list(incident.people.all()) == [pupil]
    assert incident.police_matters == ["grooming"]


def test_parent_cannot_report_about_someone_elses_child(parent, make_person, client_for):
    other_child = make_person(roles.PUPIL)
    response = client_for(parent).post(reverse("incidents:report"), {
        "child": other_child.pk, "kind": "other", "description": "x"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Incident.objects.exists()


def test_a_report_about_someone_in_another_school_is_refused_and_nothing_is_saved(
        teacher, make_person, other_school, client_for):
    stranger = make_person(roles.PUPIL, school=other_school)
    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "cyberbullying", "description": "Comments on a video", "people": [stranger.pk]})
    assert response.status_code == 400
    assert "is not someone in your school" in response.content.decode()
    assert not Incident.objects.exists()
    assert not AuditEvent.objects.filter(event_type="incident_reported").exists()


def test_a_date_in_the_future_is_refused(teacher, client_for):
    tomorrow = timezone.localtime() + datetime.timedelta(days=1)
    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "other", "description": "x",
        "occurred_at": tomorrow.strftime("%Y-%m-%dT%H:%M")})
    assert response.status_code == 400
    assert "in the future" in response.content.decode()
    assert not Incident.objects.exists()


def test_missing_description_gets_a_clear_message(pupil, client_for):
    response = client_for(pupil).post(reverse("incidents:report"), {"kind": "other"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not Incident.objects.exists()


def test_staff_report_with_urls_and_a_screenshot_keeps_each_as_evidence(teacher, pupil,
                                                                         client_for):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.incidents.conftest import PNG

    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "malicious_online", "description": "A page mocking a pupil",
        "people": [pupil.pk], "urls": "https://mock.example/page\nhttps://mock.example/2",
        "evidence_file": SimpleUploadedFile("page.png", PNG, content_type="image/png")})
    assert response.status_code == 302
    kinds = sorted(Evidence.objects.values_list("kind", flat=True))
    assert kinds == ["screenshot", "url", "url"]


def test_a_disguised_file_on_the_report_form_saves_nothing(teacher, client_for, media_root):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.incidents.conftest import EXE

    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "security_breach", "description": "Odd file on the shared drive",
        "evidence_file": SimpleUploadedFile("holiday.png", EXE, content_type="image/png")})
    assert response.status_code == 400
    assert "its contents are not PNG" in response.content.decode()
    assert not Incident.objects.exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_a_line_that_is_not_a_web_address_is_refused_by_name(teacher, client_for):
    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "malicious_online", "description": "Fake page",
        "urls": "social.example/fake\nnot a web address"})
    assert response.status_code == 400
    assert "&#x27;not a web address&#x27; is not a web address" in response.content.decode()
    assert not Incident.objects.exists()


# --- the staff form starts with no kind chosen; dates are sane ---------------------------

def test_the_staff_report_form_starts_with_no_kind_chosen(teacher, client_for):
    page = client_for(teacher).get(reverse("incidents:report")).content.decode()
    assert '<option value="" selected>Choose the kind of incident</option>' in page
    assert 'value="inappropriate_material" selected' not in page


def test_a_staff_report_without_a_kind_asks_for_one_and_saves_nothing(teacher, client_for):
    response = client_for(teacher).post(reverse("incidents:report"), {
        "description": "Something happened"})
    assert response.status_code == 400
    assert "Choose what kind of incident it is." in response.content.decode()
    assert not Incident.objects.exists()


def test_the_parent_report_form_starts_with_no_kind_chosen(parent, client_for):
    page = client_for(parent).get(reverse("incidents:report")).content.decode()
    assert '<option value="" selected>Choose what it is about</option>' in page
    assert 'value="inappropriate_material" selected' not in page


def test_a_parent_report_without_a_kind_asks_for_one_and_saves_nothing(parent, pupil,
                                                                       client_for):
    response = client_for(parent).post(reverse("incidents:report"), {
        "child": pupil.pk, "description": "Messages on a game"})
    assert response.status_code == 400
    assert "Choose what your concern is about." in response.content.decode()
    assert not Incident.objects.exists()


def test_the_pupil_report_form_starts_with_nothing_ticked(pupil, client_for):
    page = client_for(pupil).get(reverse("incidents:report")).content.decode()
    assert 'name="kind" value="inappropriate_material"' in page
    assert "checked" not in page


def test_a_pupil_report_without_a_kind_asks_plainly_and_saves_nothing(pupil, client_for):
    response = client_for(pupil).post(reverse("incidents:report"), {
        "description": "Someone keeps messaging me"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Pick what it is about." in page
    assert "Someone keeps messaging me" in page  # what they wrote is kept
    assert not Incident.objects.exists()


def test_a_date_long_ago_is_refused_as_a_mistyped_year(teacher, pupil, client_for):
    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "other", "description": "x", "occurred_at": "0202-10-01T09:00"})
    assert response.status_code == 400
    assert "This date is before 2000. Please check the year." in response.content.decode()
    response = client_for(pupil).post(reverse("incidents:report"), {
        "kind": "other", "description": "x", "when": "1900-01-01"})
    assert response.status_code == 400
    assert not Incident.objects.exists()


# --- the report form's people pickers offer only the people that role may see ------------

@pytest.fixture
def named_pupil(make_person):
    return make_person(roles.PUPIL, username="zara.q", first_name="Zara", last_name="Quill",
                       year_group=5)


@pytest.mark.parametrize("role", [roles.VISITOR, roles.GOVERNOR, roles.SUPPORT_STAFF])
def test_visitors_governors_and_support_staff_cannot_list_or_pick_pupils(
        role, named_pupil, make_person, client_for):
    reporter = make_person(role)
    client = client_for(reporter)
    page = client.get(reverse("incidents:report"))
    assert page.status_code == 200
    assert "Quill" not in page.content.decode()
    response = client.post(reverse("incidents:report"), {
        "kind": "cyberbullying", "description": "Comments on a video",
        "people": "Zara Quill (zara.q)"})
    assert response.status_code == 400
    assert "Nobody called" in response.content.decode()
    assert not Incident.objects.exists()
    # They can still tell us, naming the pupil in their own words.
    response = client.post(reverse("incidents:report"), {
        "kind": "cyberbullying", "description": "Zara Quill in Year 5 was upset by comments"})
    assert response.status_code == 302


def test_a_teacher_can_pick_a_pupil_of_the_school(named_pupil, teacher, client_for):
    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "cyberbullying", "description": "Comments on a video",
        "people": "Zara Quill (zara.q)"})
    assert response.status_code == 302
    assert named_pupil in Incident.objects.get().people.all()

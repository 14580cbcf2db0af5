import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from esafety.errors import InvalidInput
from esafety.incidents import actions
from esafety.incidents.models import Evidence, Incident
from tests.incidents.conftest import PNG


def test_the_report_form_refuses_an_image_for_a_sexting_report(teacher, client_for):
    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "sexting", "description": "A Year 10 pupil says a photo is going round",
        "evidence_file": SimpleUploadedFile("photo.png", PNG)})
    assert response.status_code == 400
    assert "Never upload a nude or sexual image of a child" in response.content.decode()
    assert not Incident.objects.exists()


def test_the_action_refuses_an_image_even_when_called_directly(teacher):
    with pytest.raises(InvalidInput) as refused:
        actions.incident_report(actor=teacher, kind="sexting", description="x",
                                upload=("photo.png", PNG))
    assert refused.value.code == "images-not-accepted"
    assert not Incident.objects.exists()


def test_a_description_and_location_is_recorded_marked_for_police_and_the_dsl_alerted(
        teacher, dsl, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(teacher).post(reverse("incidents:report"), {
            "kind": "sexting", "description": "A pupil told me an image is being shared",
            "image_location": "On a Year 10 pupil's phone, in a Snapchat group"})
    incident = Incident.objects.get()
    assert response.status_code == 302
    assert incident.police_referral is True
    assert incident.police_matters == ["child_abuse_images"]
    assert list(Evidence.objects.values_list("kind", "file_path")) == [("image_location", "")]
    assert mail.outbox[0].subject.startswith("URGENT:")
    assert "isolate the device" in mail.outbox[0].body.lower()
    page = client_for(teacher).get(reverse("incidents:detail", args=[incident.pk]))
    text = page.content.decode()
    assert "Do not copy, forward, print, save or show the image" in text
    assert "refer to the police immediately" in text


def test_no_upload_of_any_kind_is_accepted_on_a_sexting_incident(teacher, dsl, client_for):
    incident = actions.incident_report(actor=teacher, kind="sexting", description="x",
                                       image_location="On a phone")
    with pytest.raises(InvalidInput) as refused:
        actions.evidence_add(actor=dsl, incident=incident, kind="screenshot",
                             upload=("p.png", PNG))
    assert refused.value.code == "images-not-accepted"
    with pytest.raises(InvalidInput):
        actions.evidence_add(actor=dsl, incident=incident, kind="document",
                             upload=("p.pdf", b"%PDF-1.4 ..."))
    response = client_for(dsl).post(reverse("incidents:evidence_add", args=[incident.pk]), {
        "evidence-kind": "note", "evidence-text": "x",
        "evidence-upload": SimpleUploadedFile("p.png", PNG)})
    assert response.status_code == 400
    assert "never accepts images" in response.content.decode()
    assert Evidence.objects.filter(incident=incident).count() == 1
    form_page = client_for(dsl).get(reverse("incidents:detail", args=[incident.pk]))
    assert 'type="file"' not in form_page.content.decode()

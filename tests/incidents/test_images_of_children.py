import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from esafety.audit.models import AuditEvent
from esafety.errors import InvalidInput
from esafety.incidents import actions
from esafety.incidents.models import Evidence, Incident, IncidentEvent
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


# --- a case reclassified as images of a child keeps no image -----------------------------

PLAIN_EML = (b"From: a@b.example\r\nTo: c@d.example\r\nSubject: hi\r\n"
             b"Date: Mon, 9 Nov 2026 08:13:55 +0000\r\n\r\nJust words.\r\n")
EML_WITH_PICTURE = (b"From: a@b.example\r\nTo: c@d.example\r\nSubject: pic\r\n"
                    b"Content-Type: multipart/mixed; boundary=q\r\n\r\n"
                    b"--q\r\nContent-Type: text/plain\r\n\r\nsee this\r\n"
                    b"--q\r\nContent-Type: image/png; name=p.png\r\n"
                    b"Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--q--\r\n")


@pytest.fixture
def with_files(investigated, dsl):
    shot = actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                                upload=("chat.png", PNG))
    pdf = actions.evidence_add(actor=dsl, incident=investigated, kind="document",
                               upload=("notes.pdf", b"%PDF-1.4 pretend"))
    picture_mail = actions.evidence_add(actor=dsl, incident=investigated, kind="email",
                                        upload=("pic.eml", EML_WITH_PICTURE))
    plain_mail = actions.evidence_add(actor=dsl, incident=investigated, kind="email",
                                      upload=("plain.eml", PLAIN_EML))
    log = actions.evidence_add(actor=dsl, incident=investigated, kind="log",
                               upload=("calls.txt", b"08:00 withheld\n"))
    return {"shot": shot, "pdf": pdf, "picture_mail": picture_mail, "plain_mail": plain_mail,
            "log": log}


def _reclassify(incident, actor, kind="sexting"):
    incident.refresh_from_db()
    return actions.incident_edit(actor=actor, incident=incident,
                                 expected_version=incident.version, kind=kind)


def test_reclassifying_as_sexting_removes_every_file_that_could_hold_an_image(
        with_files, investigated, dsl, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _reclassify(investigated, dsl)
    for name in ("shot", "pdf", "picture_mail"):
        item = Evidence.objects.get(pk=with_files[name].pk)
        assert not (media_root / item.file_path).exists(), name
        # The record keeps what it was, its SHA-256, and why it went.
        assert item.sha256 == with_files[name].sha256 and item.original_name
        assert item.is_withdrawn and "never kept" in item.withdrawn_reason
    for name in ("plain_mail", "log"):
        item = Evidence.objects.get(pk=with_files[name].pk)
        assert (media_root / item.file_path).exists() and not item.is_withdrawn, name
    removed = IncidentEvent.objects.filter(incident=investigated, kind="image_removed")
    assert sorted(e.data["evidence"] for e in removed) == sorted(
        with_files[n].pk for n in ("shot", "pdf", "picture_mail"))
    assert {e.data["sha256"] for e in removed} == {
        with_files[n].sha256 for n in ("shot", "pdf", "picture_mail")}
    assert AuditEvent.objects.filter(event_type="incident_images_removed").count() == 1


def test_a_removed_file_is_never_served_and_the_page_says_why(
        with_files, investigated, dsl, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        # Even if deleting the file from disk failed, it is not served.
        _reclassify(investigated, dsl)
    client = client_for(dsl)
    shot = with_files["shot"]
    url = reverse("incidents:evidence_file", args=[investigated.pk, shot.pk])
    assert client.get(url).status_code == 404
    plain = reverse("incidents:evidence_file", args=[investigated.pk, with_files["log"].pk])
    assert client.get(plain).status_code == 200
    page = client.get(reverse("incidents:detail", args=[investigated.pk])).content.decode()
    assert "file removed" in page and url not in page
    assert "File removed (images of a child are never kept)" in page


def test_verification_does_not_call_a_removed_image_missing_but_still_catches_a_deleted_file(
        with_files, investigated, dsl, media_root, django_capture_on_commit_callbacks):
    from esafety.incidents.chain import verify_incident

    with django_capture_on_commit_callbacks(execute=True):
        _reclassify(investigated, dsl)
    check = verify_incident(Incident.objects.get(pk=investigated.pk))
    assert check.ok, check.problems
    log = Evidence.objects.get(pk=with_files["log"].pk)
    path = media_root / log.file_path
    path.chmod(0o640)
    path.unlink()
    check = verify_incident(Incident.objects.get(pk=investigated.pk))
    assert check.problems == [f"evidence {log.pk}'s file calls.txt is missing"]


def test_files_stay_when_the_edit_is_not_into_a_no_image_kind(
        with_files, investigated, dsl, media_root, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _reclassify(investigated, dsl, kind="grooming")
    assert (media_root / with_files["shot"].file_path).exists()
    assert not IncidentEvent.objects.filter(kind="image_removed").exists()


def test_reclassifying_through_the_case_page_removes_the_image(
        with_files, investigated, dsl, media_root, client_for,
        django_capture_on_commit_callbacks):
    investigated.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(dsl).post(reverse("incidents:edit", args=[investigated.pk]), {
            "edit-version": investigated.version, "edit-kind": "sexting",
            "edit-summary": investigated.summary,
            "edit-description": investigated.description})
    assert response.status_code == 302
    assert not (media_root / with_files["shot"].file_path).exists()


def test_only_the_case_team_can_reclassify(with_files, investigated, teacher, pupil, client_for,
                                           media_root):
    investigated.refresh_from_db()
    data = {"edit-version": investigated.version, "edit-kind": "sexting",
            "edit-summary": "x", "edit-description": "y"}
    for person in (teacher, pupil):
        assert client_for(person).post(reverse("incidents:edit", args=[investigated.pk]),
                                       data).status_code == 404
    assert (media_root / with_files["shot"].file_path).exists()
    assert not IncidentEvent.objects.filter(kind="image_removed").exists()

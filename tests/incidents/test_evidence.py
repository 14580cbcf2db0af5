import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from esafety.audit.models import AuditEvent
from esafety.errors import InvalidInput
from esafety.incidents import actions, rules
from esafety.incidents.models import Evidence, IncidentEvent
from tests.incidents.conftest import EML, EXE, PNG


def test_a_screenshot_is_stored_with_its_sha256_who_added_it_and_when(reported, dsl, media_root):
    item = actions.evidence_add(actor=dsl, incident=reported, kind="screenshot",
                                upload=("chat.png", PNG))
    assert item.sha256 == hashlib.sha256(PNG).hexdigest()
    assert item.added_by == dsl and item.added_at is not None
    assert (media_root / item.file_path).read_bytes() == PNG
    event = IncidentEvent.objects.get(incident=reported, kind="evidence_added")
    assert event.data["sha256"] == item.sha256


def test_an_exe_named_png_is_refused_and_nothing_is_half_saved(reported, dsl, media_root):
    with pytest.raises(InvalidInput) as refused:
        actions.evidence_add(actor=dsl, incident=reported, kind="screenshot",
                             upload=("cute-cat.png", EXE))
    assert refused.value.code == "disguised-file"
    assert not Evidence.objects.exists()
    assert not IncidentEvent.objects.filter(kind="evidence_added").exists()
    assert not media_root.exists() or not any(p.is_file() for p in media_root.rglob("*"))


def test_an_oversized_file_is_refused(reported, dsl):
    big = PNG + b"\x00" * rules.MAX_EVIDENCE_BYTES
    with pytest.raises(InvalidInput) as refused:
        actions.evidence_add(actor=dsl, incident=reported, kind="screenshot",
                             upload=("big.png", big))
    assert refused.value.code == "file-too-large"
    assert not Evidence.objects.exists()


def test_the_web_form_shows_a_clear_message_for_a_disguised_file(reported, dsl, client_for):
    response = client_for(dsl).post(reverse("incidents:evidence_add", args=[reported.pk]), {
        "evidence-kind": "screenshot", "evidence-upload": SimpleUploadedFile("a.png", EXE)})
    assert response.status_code == 400
    assert "its contents are not PNG: it was refused" in response.content.decode()
    assert not Evidence.objects.exists()


def test_an_email_copy_is_shown_with_its_headers_and_sender(reported, dsl, client_for):
    actions.evidence_add(actor=dsl, incident=reported, kind="email",
                         upload=("threat.eml", EML))
    page = client_for(dsl).get(reverse("incidents:detail", args=[reported.pk])).content.decode()
    assert "Anon Sender &lt;nasty.sender@freemail.example&gt;" in page
    assert "you will regret it" in page
    assert "Received headers (1)" in page
    assert "Watch yourself." in page


def test_a_text_file_named_eml_is_refused(reported, dsl):
    with pytest.raises(InvalidInput) as refused:
        actions.evidence_add(actor=dsl, incident=reported, kind="email",
                             upload=("x.eml", b"just some words"))
    assert refused.value.code == "disguised-file"


def test_url_evidence_needs_the_nature_of_the_content(reported, dsl):
    with pytest.raises(InvalidInput) as refused:
        actions.evidence_add(actor=dsl, incident=reported, kind="url", url="https://x.example/")
    assert refused.value.code == "missing-description"


def test_phone_numbers_are_checked_and_stored_in_full(reported, dsl):
    item = actions.evidence_add(actor=dsl, incident=reported, kind="phone", phone="07700 900123",
                                text="Withheld calls at night")
    assert item.phone == "+447700900123"
    with pytest.raises(InvalidInput):
        actions.evidence_add(actor=dsl, incident=reported, kind="phone", phone="not a number")


def test_withdrawn_evidence_is_kept_with_the_reason(reported, dsl):
    item = actions.evidence_add(actor=dsl, incident=reported, kind="note", text="Wrong pupil")
    actions.evidence_withdraw(actor=dsl, evidence=item, reason="Added to the wrong incident")
    item.refresh_from_db()
    assert item.is_withdrawn and item.withdrawn_reason == "Added to the wrong incident"
    assert Evidence.objects.filter(pk=item.pk).exists()
    with pytest.raises(InvalidInput):
        actions.evidence_withdraw(actor=dsl, evidence=item, reason="")


def test_evidence_files_are_served_only_after_the_access_check_and_each_view_is_recorded(
        reported, dsl, teacher, outsider, client_for):
    item = actions.evidence_add(actor=dsl, incident=reported, kind="screenshot",
                                upload=("chat.png", PNG))
    url = reverse("incidents:evidence_file", args=[reported.pk, item.pk])
    response = client_for(dsl).get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PNG
    assert AuditEvent.objects.filter(event_type="incident_viewed",
                                     details__what=f"evidence {item.pk} file").count() == 1
    assert client_for(teacher).get(url).status_code == 404
    assert client_for(outsider).get(url).status_code == 404


def test_a_reporter_can_add_to_their_own_report_but_not_see_staff_evidence(
        reported, pupil, dsl, client_for):
    staff_item = actions.evidence_add(actor=dsl, incident=reported, kind="screenshot",
                                      upload=("chat.png", PNG))
    client = client_for(pupil)
    response = client.post(reverse("incidents:evidence_add", args=[reported.pk]), {
        "evidence-kind": "url", "evidence-url": "https://chat.example/group/123",
        "evidence-text": "The group chat"})
    assert response.status_code == 302
    assert Evidence.objects.filter(added_by=pupil).count() == 1
    url = reverse("incidents:evidence_file", args=[reported.pk, staff_item.pk])
    assert client.get(url).status_code == 404

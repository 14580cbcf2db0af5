"""Every incident screen answers junk input with a page, never a server error, and saves nothing."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from esafety.incidents import actions
from esafety.incidents.models import Evidence, Rating, Sanction, TakedownRequest
from tests.incidents.conftest import EXE, PNG

FIELDS = ["kind", "summary", "description", "occurred_at", "location", "people", "subject_staff",
          "urls", "image_location", "who", "when", "child", "version", "text", "url", "phone",
          "reason", "person", "matters", "outcome", "reasons", "police_override_reason",
          "confirm", "rating", "kind", "starts_at", "ends_at", "target", "target_name",
          "sent_on", "outcome_on", "notes", "seen", "designated_person", "chair_of_governors",
          "letter_template", "start", "end", "format", "status"]
VALUES = ["'; drop table", "32/13/2026", "\x00", "x" * 3000, "-1", "99999999", "{", "0000-00-00"]
PREFIXES = ["", "edit-", "note-", "evidence-", "withdraw-", "police-", "judgement-", "close-",
            "reopen-", "rating-", "sanction-", "takedown-", "outcome-", "investigator-",
            "viewer-", "subject-"]


def junk(index):
    data = {}
    for prefix in PREFIXES:
        for n, field in enumerate(FIELDS):
            data[f"{prefix}{field}"] = VALUES[(n + index) % len(VALUES)]
    return data


@pytest.mark.parametrize("who", ["dsl", "pupil", "teacher", "outsider"])
def test_junk_never_causes_a_server_error(who, request, investigated, dsl, pupil, client_for):
    shot = actions.evidence_add(actor=dsl, incident=investigated, kind="screenshot",
                                upload=("chat.png", PNG))
    made = actions.sanction_record(actor=dsl, incident=investigated, person=pupil,
                                   kind="letter_to_parents", reasons="r")
    import datetime

    takedown = actions.takedown_request(actor=dsl, incident=investigated, target="site",
                                        target_name="x", sent_on=datetime.date.today())
    before = (Evidence.objects.count(), Rating.objects.count(), Sanction.objects.count())
    client = client_for(request.getfixturevalue(who))
    pk = investigated.pk
    urls = [reverse("incidents:home"), reverse("incidents:report"),
            reverse("incidents:settings"), reverse("incidents:governors_report"),
            reverse("incidents:chronology", args=[pupil.pk])]
    urls += [reverse(f"incidents:{name}", args=[pk]) for name in (
        "detail", "edit", "acknowledge", "note", "evidence_add", "investigator_add", "viewer_add",
        "subject", "police", "judge", "close", "reopen", "rate", "sanction", "takedown_add")]
    urls += [reverse("incidents:evidence_file", args=[pk, shot.pk]),
             reverse("incidents:evidence_withdraw", args=[pk, shot.pk]),
             reverse("incidents:screenshot_sign", args=[pk, shot.pk]),
             reverse("incidents:letter", args=[pk, made.pk]),
             reverse("incidents:takedown_update", args=[pk, takedown.pk])]
    for index, url in enumerate(urls):
        data = junk(index)
        for response in (client.get(url, data), client.post(url, data)):
            assert response.status_code in (200, 302, 400, 404, 405, 409), (
                url, response.status_code)
        upload = {"evidence-kind": "screenshot",
                  "evidence-upload": SimpleUploadedFile("x.png", EXE),
                  "evidence_file": SimpleUploadedFile("x.png", EXE), **data}
        assert client.post(url, upload).status_code in (200, 302, 400, 404, 405, 409), url
    assert (Evidence.objects.count(), Rating.objects.count(), Sanction.objects.count()) == before
    assert TakedownRequest.objects.get().target_name == "x"

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


# --- malformed emails: stored, shown as best they can be, never a failing page ------------

MULTIPART = (b"From: Anon <nasty.sender@freemail.example>\r\n"
             b"To: teacher@hollinspark.sch.uk\r\n"
             b"Subject: =?utf-8?q?look_at_this?=\r\n"
             b"Date: Mon, 9 Nov 2026 08:13:55 +0000\r\n"
             b"Message-ID: <m1@freemail.example>\r\n"
             b"MIME-Version: 1.0\r\n"
             b"Content-Type: multipart/mixed; boundary=\"zz\"\r\n\r\n"
             b"--zz\r\nContent-Type: multipart/alternative; boundary=\"yy\"\r\n\r\n"
             b"--yy\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
             b"<p>Hello <b>there</b></p><script>alert(1)</script>\r\n--yy--\r\n"
             b"--zz\r\nContent-Type: application/pdf; name=\"notes.pdf\"\r\n"
             b"Content-Disposition: attachment; filename=\"notes.pdf\"\r\n"
             b"Content-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQK\r\n--zz--\r\n")

HEAD = (b"From: Anon Sender <nasty.sender@freemail.example>\r\n"
        b"To: teacher@hollinspark.sch.uk\r\nSubject: you will regret it\r\n")

MALFORMED = {
    "message-id with a stray bracket": HEAD + b"Date: Mon, 9 Nov 2026 08:13:55 +0000\r\n"
                                              b"Message-ID: <[abc@x>\r\n\r\nbody\r\n",
    "message-id that is only punctuation": HEAD + b"Message-ID: <@>\r\n\r\nbody",
    "message-id that is one quote": HEAD + b"Message-ID: \"\r\n\r\nbody",
    "to that is only commas": b"From: a@b.example\r\nTo: ,,,,\"\r\nSubject: x\r\n\r\nbody",
    "from that is all brackets": b"From: <<<@@@>>>\r\nSubject: x\r\nDate: x\r\n\r\nbody",
    "impossible date": HEAD + b"Date: 99 Foo 2026 99:99:99 +9999\r\n\r\nbody",
    "unknown charset": HEAD + b"Content-Type: text/plain; charset=x-bogus\r\n\r\nbody \xff",
    "bad encoded words": b"From: =?x-bad?q?abc?= <a@b.example>\r\nSubject: =?utf-8?b?////?=\r\n"
                         b"Date: x\r\n\r\nbody \xff\xfe",
    "bad base64 body": HEAD + b"Content-Transfer-Encoding: base64\r\n\r\n!!!!====",
    "raw latin-1 headers": b"From: Zo\xeb <z@b.example>\r\nSubject: caf\xe9\r\n\r\nna\xefve",
    "raw utf-8 headers": "From: Zoë <z@b.example>\r\nSubject: déjà vu\r\n\r\nbody".encode(),
    "control characters": HEAD + b"X-A: \x01\x02\x1b[31m\r\nDate: \x00\x07\r\n\r\n\x00\x1b body",
    "huge header": HEAD + b"Date: x\r\nMessage-ID: <" + b"a" * 2_000_000 + b">\r\n\r\nbody",
    "many received headers": HEAD + b"Date: x\r\n" + b"Received: from x by y\r\n" * 20_000
                             + b"\r\nbody",
    "truncated mime": MULTIPART[:MULTIPART.index(b"--yy--")],
    "truncated in the headers": MULTIPART[:120],
    "boundary never closed": HEAD + b"Date: x\r\nContent-Type: multipart/mixed; boundary=q\r\n"
                             b"\r\n--q\r\nContent-Type: text/plain\r\n\r\nhello",
    "unnamed weird attachment": HEAD + b"Date: x\r\nContent-Type: multipart/mixed; boundary=q\r\n"
                                b"\r\n--q\r\nContent-Type: application/x; name*=x-bad''%ff%fe\r\n"
                                b"Content-Disposition: attachment; filename*=utf-8''%ff%fe\r\n"
                                b"Content-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ=\r\n"
                                b"--q--\r\n",
    "deeply nested": HEAD + b"Date: x\r\n" + b"".join(
        b"Content-Type: multipart/mixed; boundary=b%d\r\n\r\n--b%d\r\n" % (n, n)
        for n in range(200)) + b"Content-Type: text/plain\r\n\r\ndeep\r\n",
    "html that never closes a tag": HEAD + b"Date: x\r\nContent-Type: text/html\r\n\r\n"
                                    + b"<" * 200_000,
    "header without a value": HEAD + b"Date:\r\nMessage-ID:\r\nCc:\r\n\r\nbody",
}


def _mutations(seed_count=150):
    """Seeded random damage to two good emails: flipped bytes, cuts, repeated spans."""
    import random

    rng = random.Random(10)
    for n in range(seed_count):
        data = bytearray(rng.choice([EML, MULTIPART]))
        for _ in range(rng.randint(1, 12)):
            action = rng.random()
            spot = rng.randrange(len(data))
            if action < 0.5:
                data[spot] = rng.randrange(256)
            elif action < 0.7:
                del data[spot:spot + rng.randint(1, 40)]
            else:
                data[spot:spot] = rng.choice([b"=?", b"?=", b"<", b">", b"\"", b"\r\n",
                                              b"\r\n\r\n", b"--zz", b";", b"\x00", b"\xff"])
        yield f"mutation {n}", bytes(data)


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_a_malformed_email_is_read_as_best_it_can_be(name):
    from esafety.incidents.evidence import read_email

    shown = read_email(MALFORMED[name])
    assert set(shown) >= {"headers", "received", "body", "attachments", "notes"}
    for _, value in shown["headers"]:
        assert len(value) < 2100 and "\x00" not in value
    assert len(shown["received"]) <= 100
    assert "\x00" not in shown["body"] and "\x1b" not in shown["body"]


def test_randomly_damaged_emails_never_make_the_reader_fail():
    from esafety.incidents.evidence import read_email

    for name, data in _mutations():
        try:
            read_email(data)
        except Exception as exc:  # noqa: BLE001 - report which variant broke it
            raise AssertionError(f"{name} raised {exc!r}") from exc


def test_a_malformed_message_id_is_stored_and_shown_and_the_case_page_still_opens(
        reported, dsl, client_for):
    data = MALFORMED["message-id with a stray bracket"]
    item = actions.evidence_add(actor=dsl, incident=reported, kind="email",
                                upload=("bad.eml", data))
    assert item.sha256 == hashlib.sha256(data).hexdigest()
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", args=[reported.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "&lt;[abc@x&gt;" in text and "you will regret it" in text
    record = client.get(reverse("incidents:record", args=[reported.pk]))
    assert record.status_code == 200 and record.content.startswith(b"%PDF")
    served = client.get(reverse("incidents:evidence_file", args=[reported.pk, item.pk]))
    assert b"".join(served.streaming_content) == data


def test_every_malformed_email_that_is_accepted_leaves_the_case_page_and_record_working(
        reported, dsl, pupil, client_for):
    accepted = []
    for _name, data in [*MALFORMED.items(), *_mutations(40)]:
        try:
            accepted.append(actions.evidence_add(actor=dsl, incident=reported, kind="email",
                                                 upload=(f"{len(accepted)}.eml", data)))
        except InvalidInput:
            continue  # refused as not an email at all: nothing stored, nothing to show
    assert len(accepted) >= 20
    client = client_for(dsl)
    page = client.get(reverse("incidents:detail", args=[reported.pk]))
    assert page.status_code == 200
    assert page.content.decode().count("Copy of an email") >= len(accepted)
    assert client.get(reverse("incidents:record", args=[reported.pk])).status_code == 200
    assert client_for(pupil).get(reverse("incidents:detail", args=[reported.pk])).status_code == 200


def test_an_email_the_reader_cannot_handle_still_leaves_the_page_working(
        reported, dsl, client_for, monkeypatch):
    from esafety.incidents import evidence

    actions.evidence_add(actor=dsl, incident=reported, kind="email", upload=("a.eml", EML))

    def broken(data):
        raise RecursionError("a reader bug nobody has found yet")

    monkeypatch.setattr(evidence, "read_email", broken)
    page = client_for(dsl).get(reverse("incidents:detail", args=[reported.pk]))
    assert page.status_code == 200
    assert "This email could not be shown here" in page.content.decode()


class _CountingText(str):
    """A string that counts the characters its searches pass over."""

    scanned = 0

    def find(self, sub, start=0, end=None):  # type: ignore[override]
        found = str.find(self, sub, start, len(self) if end is None else end)
        _CountingText.scanned += (len(self) if found < 0 else found + len(sub)) - start
        return found


def test_html_email_text_is_taken_out_in_linear_time():
    """Counted, not timed: the searches pass over each character a bounded number of times,
    however the tags are arranged (unclosed, nested, one unending script)."""
    from esafety.incidents.evidence import html_to_text

    assert html_to_text("<p>Hello <b>there</b></p><script>x()</script>&amp; bye") == \
        "\nHello there\n& bye"

    hostile = [
        lambda n: "<" * n + "<a " * n,
        lambda n: "<a>" * n,
        lambda n: "<p " * n + ">",
        lambda n: "x<" * n,
        lambda n: "<script>" + "<" * n,
        lambda n: "<br>text" * n + "<style>" + "a" * n + "</style>",
    ]
    for make in hostile:
        for size in (1_000, 50_000):
            text = make(size)
            _CountingText.scanned = 0
            html_to_text(_CountingText(text))
            assert _CountingText.scanned <= 3 * len(text) + 16, (make(3), size)

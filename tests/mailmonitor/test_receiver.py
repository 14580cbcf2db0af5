"""`esafety mail monitor` over SMTP: monitoring copies checked, kept only where something
was found, urgent concerns raised, and nothing a client sends stops it."""

from __future__ import annotations

import hashlib
import smtplib
import socket
import stat

import pytest
from django.core import mail

from esafety.concerns.models import Concern
from esafety.directory import roles
from esafety.mailmonitor import monitor as monitor_module
from esafety.mailmonitor.models import CapturedMessage, MonitorSettings
from tests.mailmonitor.conftest import start

pytestmark = pytest.mark.django_db(transaction=True)

SELF_HARM = "I want to kill myself tonight, nobody would miss me"
ABUSE = "you are a fucking idiot and a worthless piece of shit"


def message(*, sender: str, to: str, subject: str, body: str, extra: str = "") -> bytes:
    head = (f"From: {sender}\r\nTo: {to}\r\nSubject: {subject}\r\n"
            f"Message-ID: <m{abs(hash(body)) % 10**8}@example.org>\r\n{extra}"
            "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n")
    return (head + body + "\r\n").encode()


def send(port: int, raw: bytes, *, rcpt: str = "monitor@esafety.invalid") -> None:
    with smtplib.SMTP("127.0.0.1", port, timeout=30) as client:
        client.sendmail("postmaster@hollinspark.sch.uk", [rcpt], raw)


def files(settings) -> list:
    base = settings.DATA_DIR / "mailmonitor"
    return sorted(p for p in base.rglob("*") if p.is_file()) if base.exists() else []


def capture_evidence(school) -> None:
    MonitorSettings.objects.create(school=school, evidence_capture=True)


def test_a_clean_message_is_answered_and_nothing_is_kept(monitor, school, pupil, settings):
    capture_evidence(school)
    send(monitor.port, message(sender=pupil.email, to="friend@hollinspark.sch.uk",
                               subject="Homework", body="See you at football on Tuesday."))
    assert CapturedMessage.objects.count() == 0
    assert Concern.objects.count() == 0
    assert files(settings) == []
    assert monitor.handler.accepted == 1


def test_a_finding_keeps_the_excerpt_and_hash_only(monitor, school, pupil, teacher, settings):
    raw = message(sender=pupil.email, to=teacher.email, subject="you", body=ABUSE)
    send(monitor.port, raw)
    captured = CapturedMessage.objects.get()
    assert captured.sha256 == hashlib.sha256(raw).hexdigest()
    assert captured.sender == pupil.email
    assert captured.evidence_file == ""
    rules = [f["rule"] for f in captured.findings]
    assert "content.abuse" in rules
    assert "tone.shouting" not in rules
    excerpts = [e["excerpt"] for f in captured.findings for e in f["excerpts"]]
    assert any("idiot" in e for e in excerpts)
    assert files(settings) == []
    assert not captured.private


def test_evidence_capture_keeps_the_whole_message_readable_only_by_the_service(
        monitor, school, pupil, teacher, settings):
    capture_evidence(school)
    raw = message(sender=pupil.email, to=teacher.email, subject="you", body=ABUSE)
    send(monitor.port, raw)
    captured = CapturedMessage.objects.get()
    [path] = files(settings)
    assert path.name == captured.evidence_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_bytes() == raw


def journal_report(original: bytes, *, recipients: list[str]) -> bytes:
    envelope = ("Sender: {}\r\nSubject: ignored\r\nMessage-Id: <x@y>\r\n".format(
        "pupil@hollinspark.sch.uk") + "".join(f"To: {r}\r\n" for r in recipients))
    return (b"From: Microsoft Exchange <MicrosoftExchange@hollinspark.onmicrosoft.com>\r\n"
            b"To: journal@esafety.hollinspark.sch.uk\r\n"
            b"Subject: Journal report\r\nX-MS-Journal-Report:\r\nMIME-Version: 1.0\r\n"
            b"Content-Type: multipart/mixed; boundary=\"JR\"\r\n\r\n"
            b"--JR\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n"
            + envelope.encode() +
            b"\r\n--JR\r\nContent-Type: message/rfc822\r\n"
            b"Content-Disposition: attachment\r\n\r\n" + original +
            b"\r\n--JR--\r\n")


def test_a_journal_report_is_unwrapped_and_the_original_checked(monitor, school, pupil,
                                                                dsl, teacher):
    original = message(sender=pupil.email, to=teacher.email, subject="help", body=SELF_HARM)
    send(monitor.port, journal_report(original, recipients=[teacher.email,
                                                            "secret@hollinspark.sch.uk"]))
    captured = CapturedMessage.objects.get()
    assert captured.journal_report
    assert captured.sha256 == hashlib.sha256(original).hexdigest()  # the original's own
    assert captured.sender == pupil.email  # the original's, not the journal's
    assert "secret@hollinspark.sch.uk" in captured.recipients  # Bcc from the envelope
    assert [f["rule"] for f in captured.findings] == ["content.self-harm"]
    concern = Concern.objects.get()
    assert concern.person == pupil


def test_a_pupils_self_harm_message_is_an_urgent_concern_emailed_to_the_dsl(
        monitor, school, pupil, dsl, teacher):
    send(monitor.port, message(sender=pupil.email, to=teacher.email, subject="help",
                               body=SELF_HARM))
    concern = Concern.objects.get()
    assert concern.urgent and concern.source == "mail_flow"
    assert concern.person == pupil
    assert "kill myself" in concern.excerpt
    captured = CapturedMessage.objects.get()
    assert captured.concerns == [concern.reference]
    assert [m.to for m in mail.outbox] == [[dsl.email]]


def test_private_mail_is_checked_for_safeguarding_only(monitor, school, make_person,
                                                       teacher, dsl):
    colleague = make_person(roles.TEACHER)
    send(monitor.port, message(sender=teacher.email, to=colleague.email, subject="about him",
                               body=ABUSE, extra="Sensitivity: Private\r\n"))
    assert CapturedMessage.objects.count() == 0  # abuse is not a safeguarding rule
    send(monitor.port, message(sender=teacher.email, to=colleague.email,
                               subject="[personal] how I feel", body=SELF_HARM))
    captured = CapturedMessage.objects.get()
    assert captured.private
    assert [f["rule"] for f in captured.findings] == ["content.self-harm"]


def test_a_pupils_private_self_harm_message_is_a_concern_without_its_subject(
        monitor, school, pupil, dsl, teacher):
    send(monitor.port, message(sender=pupil.email, to=teacher.email,
                               subject="[private] my secret", body=SELF_HARM))
    concern = Concern.objects.get()
    assert concern.urgent and "kill myself" in concern.excerpt
    assert "secret" not in str(concern.details)
    assert CapturedMessage.objects.get().private


def test_ten_thousand_recipients_are_checked_and_kept_short(monitor, school, pupil):
    to = ",\r\n ".join(f"p{n}@example.org" for n in range(10_000))
    send(monitor.port, message(sender=pupil.email, to=to, subject="all", body=SELF_HARM))
    captured = CapturedMessage.objects.get()
    assert captured.recipients.endswith("and 9990 more")


def test_nul_characters_are_never_stored(monitor, school, pupil, teacher, dsl):
    # (PostgreSQL stores no NUL: such a copy would be refused and retried for ever.)
    send(monitor.port, message(sender=pupil.email, to=teacher.email, subject="a\x00b",
                               body="I want to kill\x00 myself tonight, nobody would miss me"))
    captured = CapturedMessage.objects.get()
    concern = Concern.objects.get()
    assert "\x00" not in str(captured.findings) + captured.subject
    assert "\x00" not in concern.excerpt + str(concern.details)


def test_the_same_message_twice_is_counted_not_kept_twice(monitor, school, pupil, teacher,
                                                           dsl):
    raw = message(sender=pupil.email, to=teacher.email, subject="help", body=SELF_HARM)
    send(monitor.port, raw)
    send(monitor.port, journal_report(raw, recipients=[teacher.email]))
    captured = CapturedMessage.objects.get()
    assert captured.copies == 2
    assert Concern.objects.get().occurrences == 1
    assert len(mail.outbox) == 1


def test_a_line_longer_than_smtp_allows_is_still_checked(monitor, school, pupil, teacher):
    body = "<p>" + "lorem ipsum " * 500 + ABUSE + "</p>"
    send(monitor.port, message(sender=pupil.email, to=teacher.email, subject="x", body=body))
    assert CapturedMessage.objects.count() == 1


def test_the_same_message_without_the_private_mark_is_kept(monitor, school, make_person,
                                                           teacher):
    colleague = make_person(roles.TEACHER)
    send(monitor.port, message(sender=teacher.email, to=colleague.email, subject="about him",
                               body=ABUSE))
    assert CapturedMessage.objects.get().private is False


def test_the_directory_is_read_once_for_many_messages(monitor, school, pupil):
    for n in range(3):
        send(monitor.port, message(sender=pupil.email, to="a@hollinspark.sch.uk",
                                   subject=f"hello {n}", body="fine"))
    assert monitor.snapshots.loads == 1


def test_a_failure_is_answered_451_and_leaves_nothing(monitor, school, pupil, teacher,
                                                      settings, monkeypatch):
    capture_evidence(school)

    def broken(*args, **kwargs):
        raise RuntimeError("database is down")

    monkeypatch.setattr("esafety.mailmonitor.actions.check_concerns."
                        "message_check_concern_record", broken)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(monitor.port, message(sender=pupil.email, to=teacher.email, subject="x",
                                   body=ABUSE))
    assert refused.value.smtp_code == 451
    assert CapturedMessage.objects.count() == 0
    assert files(settings) == []


def test_a_message_that_makes_the_checker_fail_is_answered_451(monitor, school, pupil,
                                                               monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(monitor_module, "check_parsed", broken)
    with pytest.raises(smtplib.SMTPDataError) as refused:
        send(monitor.port, message(sender=pupil.email, to="a@b.org", subject="x", body="y"))
    assert refused.value.smtp_code == 451
    monkeypatch.undo()
    send(monitor.port, message(sender=pupil.email, to="a@b.org", subject="x", body="y"))


def raw_session(port: int, lines: list[bytes], *, close_early: bool = False) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.recv(1024)
        sock.sendall(b"".join(lines))
        if close_early:
            return b""
        sock.settimeout(5)
        got = b""
        try:
            while not got.rstrip().endswith(b"221 Bye") and len(got) < 100_000:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                got += chunk
        except TimeoutError:
            pass
        return got


def test_garbage_is_answered_and_the_service_survives(disposable_append_only_tables, school, pupil, teacher, settings,
                                                      tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    running = start(school, max_bytes=256 * 1024)
    try:
        port = running.port
        garbage = [
            b"\x00\x00\x00 NUL bytes \x00\r\n\r\nbody \x00 with NUL\r\n",
            "Subject: caf\u00e9 \u2603 8-bit header\r\nFrom: \xff\xfe@x\r\n\r\nhi\r\n".encode(
                "latin-1", "replace"),
            b"Content-Type: multipart/mixed; boundary=\"nope\r\n\r\n--nope\r\n--\r\n",
            b"X-MS-Journal-Report:\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
            b"--b\r\nContent-Type: message/rfc822\r\n\r\n\x00\xff\r\n--b--\r\n",
            b"\r\n",
        ]
        for raw in garbage:
            try:
                send(port, raw)
            except smtplib.SMTPDataError as exc:
                assert 400 <= exc.smtp_code < 500
        # Too big for this receiver: refused, not a crash.
        with pytest.raises(smtplib.SMTPException):
            send(port, b"Subject: big\r\n\r\n" + b"x" * 76 + b"\r\n" * 0 +
                 (b"y" * 998 + b"\r\n") * 400)
        # Pipelined nonsense, then a client that drops the connection mid-DATA.
        answer = raw_session(port, [b"EHLO x\r\nFOO\r\nMAIL FROM:<>\r\nRCPT TO:<a@b>\r\n"
                                    b"RCPT TO:<not an address\r\nQUIT\r\n"])
        assert b"500" in answer or b"501" in answer or b"553" in answer
        raw_session(port, [b"EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n",
                           b"Subject: half\r\n\r\nhalf a mess"], close_early=True)
        send(port, message(sender=pupil.email, to=teacher.email, subject="still", body=ABUSE))
        assert CapturedMessage.objects.filter(sender=pupil.email).count() == 1
    finally:
        running.server.stop()
        running.handler.close()

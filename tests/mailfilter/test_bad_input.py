"""Bad input over SMTP: a verdict (a 4xx only for what trying again can mend), never a
crash, never a lost message."""

import json
import smtplib
import socket

import pytest

from tests.mailfilter.conftest import send
from tests.mailfilter.harness import message

TEACHER = "tom@hollinspark.sch.uk"
OUT = "parent@known.example"


def mail_school_folder(running):
    return running.config.folder


def _still_serving(port, sink):
    before = len(sink.delivered)
    assert send(port, TEACHER, [OUT], message(TEACHER, OUT, "still there?", "yes"))[0] == 250
    assert len(sink.delivered) == before + 1


def _send_exactly(port: int, raw: bytes) -> tuple[int, str]:
    """The filter's answer to exactly these bytes as the message (smtplib's data() would
    add a line break to an empty message or one not ending in one). Each raw here either
    is empty or ends in CRLF, and has no line starting with a dot."""
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
        smtp.ehlo()
        assert smtp.mail(TEACHER)[0] == 250 and smtp.rcpt(OUT)[0] == 250
        assert smtp.docmd("DATA")[0] == 354
        smtp.send(raw + b".\r\n")
        code, text = smtp.getreply()
        return code, text.decode()


# Malformed, empty and bodiless messages. Each must get a final answer: a verdict
# (2xx, and then the message is somewhere: delivered, held, or the sender told) or a refusal
# for good (5xx, and Postfix tells the sender). A 4xx would have Postfix offer the same bytes
# again and again until it gives up days later, so it is how a checker crash shows here.
UNCHECKABLE = [
    pytest.param(
        b"From: tom@hollinspark.sch.uk\r\nTo: parent@known.example\r\nSubject: caf\xe9 \xff\r\n"
        b"Content-Type: multipart/mixed; boundary=\"nope\r\n\r\n--nope\r\nbroken\x00\x00 body\r\n",
        id="malformed-mime-8bit-headers"),
    pytest.param(
        b"From: tom@hollinspark.sch.uk\r\nTo: parent@known.example\r\n\r\n\x00\x00\x00\r\n",
        id="nul-bytes"),
    pytest.param(b"\r\n\r\n", id="blank-lines-only"),
    pytest.param(b"", id="empty"),
    pytest.param(
        b"From: tom@hollinspark.sch.uk\r\nTo: parent@known.example\r\nSubject: no body\r\n",
        id="headers-only"),
]


@pytest.mark.parametrize("raw", UNCHECKABLE)
def test_uncheckable_input_gets_a_final_answer(mail_filter, sink, raw):
    held = mail_school_folder(mail_filter) / "held"
    code, text = _send_exactly(mail_filter.port, raw)
    assert 200 <= code < 300 or 500 <= code < 600, f"{code} {text}"
    if code < 300:
        assert sink.delivered or list(held.glob("*.eml")), "a 2xx, but the message is nowhere"
    _still_serving(mail_filter.port, sink)


def test_ten_thousand_recipients_are_taken_and_the_next_is_deferred(mail_filter, sink):
    rcpts = [f"r{i}@hollinspark.sch.uk" for i in range(10_001)]
    with smtplib.SMTP("127.0.0.1", mail_filter.port, timeout=120) as smtp:
        smtp.ehlo()
        smtp.mail(TEACHER)
        codes = [smtp.rcpt(r)[0] for r in rcpts]
        assert codes[:10_000] == [250] * 10_000 and codes[10_000] == 452
        code, _ = smtp.data(message(TEACHER, "staff@hollinspark.sch.uk", "all", "hello"))
    assert code == 250
    # Delivered to all 10,000, or held with all 10,000 (a notice goes to the sender).
    delivered = [d for d in sink.delivered if len(d.rcpts) == 10_000]
    held = list((mail_school_folder(mail_filter) / "held").glob("*.json"))
    assert len(delivered) + len(held) == 1
    if held:
        assert len(json.loads(held[0].read_bytes())["rcpts"]) == 10_000


def test_a_client_dropping_mid_data_delivers_nothing_and_the_filter_carries_on(mail_filter, sink):
    with socket.create_connection(("127.0.0.1", mail_filter.port)) as conn:
        conn.recv(1000)
        conn.sendall(b"EHLO x\r\nMAIL FROM:<tom@hollinspark.sch.uk>\r\n"
                     b"RCPT TO:<parent@known.example>\r\nDATA\r\n")
        conn.sendall(b"Subject: half\r\n\r\nhalf a mess")
    _still_serving(mail_filter.port, sink)
    assert [d.message["Subject"] for d in sink.delivered] == ["still there?"]


def test_pipelined_commands_are_answered_in_order(mail_filter, sink):
    with socket.create_connection(("127.0.0.1", mail_filter.port)) as conn:
        conn.settimeout(30)
        conn.recv(1000)
        body = message(TEACHER, OUT, "pipelined", "hello")
        conn.sendall(b"EHLO x\r\nMAIL FROM:<tom@hollinspark.sch.uk>\r\nRCPT TO:<" + OUT.encode()
                     + b">\r\nDATA\r\n")
        got = b""
        while b"354" not in got:
            got += conn.recv(4096)
        conn.sendall(body + b".\r\nQUIT\r\n")
        while b"221" not in got:
            chunk = conn.recv(4096)
            if not chunk:
                break
            got += chunk
    assert got.count(b"250 OK") == 2 and b"354 " in got and b"221 " in got
    assert b"250 2.0.0 " in got  # a verdict (passed or held), after the data


def test_a_line_longer_than_smtp_allows_is_checked_not_refused(mail_filter, sink):
    raw = message(TEACHER, OUT, "long line", "<p>" + "word " * 20_000 + "</p>")
    assert send(mail_filter.port, TEACHER, [OUT], raw)[0] == 250
    assert len(sink.delivered) == 1


def test_a_50_mb_message_gets_a_verdict(mail_filter, sink):
    attachment = ("A" * 76 + "\r\n") * (50 * 1024 * 1024 // 78)
    raw = (f"From: {TEACHER}\r\nTo: {OUT}\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
           "Content-Type: text/plain\r\n\r\nThe photos.\r\n--b\r\n"
           "Content-Type: application/octet-stream; name=photos.zip\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" + attachment + "--b--\r\n").encode()
    assert len(raw) > 50_000_000
    code, _ = send(mail_filter.port, TEACHER, [OUT], raw)
    assert code == 250
    assert len(sink.delivered) + len(sink.to(TEACHER)) >= 1

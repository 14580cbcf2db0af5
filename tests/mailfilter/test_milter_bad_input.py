"""Bad input through a real Postfix with the filter as its milter: a final answer (delivered,
held or its sender told; or refused for good), never a crash, never a lost message. The
same inputs as test_bad_input.py, where the filter is the content filter."""

import json
import smtplib

import pytest

from tests.mailfilter import postfix
from tests.mailfilter.harness import message
from tests.mailfilter.test_bad_input import UNCHECKABLE
from tests.mailfilter.test_postfix import wait

pytestmark = [
    pytest.mark.postfix,
    pytest.mark.skipif(not postfix.available(),
                       reason="Debian postfix package not installed, or not running as root"),
]

TEACHER = "tom@hollinspark.sch.uk"
OUT = "parent@known.example"


def _send_exactly(port: int, mail_from: str, rcpts: list[str], raw: bytes) -> tuple[int, str]:
    with smtplib.SMTP("127.0.0.1", port, timeout=300) as smtp:
        smtp.ehlo()
        assert smtp.mail(mail_from)[0] == 250
        for rcpt in rcpts:
            assert smtp.rcpt(rcpt)[0] == 250
        assert smtp.docmd("DATA")[0] == 354
        smtp.send(raw + b".\r\n")
        code, text = smtp.getreply()
        return code, text.decode()


def _ended(sink, held_dir) -> bool:
    return bool(sink.delivered) or bool(list(held_dir.glob("*.eml")))


@pytest.mark.parametrize("raw", UNCHECKABLE)
def test_uncheckable_input_gets_a_final_answer(milter_flow, sink, mail_school, raw):
    code, text = _send_exactly(milter_flow.public, TEACHER, [OUT], raw)
    assert 200 <= code < 300 or 500 <= code < 600, f"{code} {text}"
    if code < 300:
        assert wait(lambda: _ended(sink, mail_school["folder"] / "held")), \
            "a 2xx, but the message is nowhere"
    _send_exactly(milter_flow.public, TEACHER, [OUT], message(TEACHER, OUT, "still there?", "yes"))
    assert wait(lambda: any(d.message["Subject"] == "still there?" for d in sink.delivered))


def test_ten_thousand_recipients_are_checked_together(milter_flow, sink, mail_school):
    rcpts = [f"r{i}@hollinspark.sch.uk" for i in range(10_000)]
    code, _ = _send_exactly(milter_flow.public, TEACHER, rcpts,
                            message(TEACHER, "staff@hollinspark.sch.uk", "all", "hello"))
    assert code == 250
    held_dir = mail_school["folder"] / "held"
    # Delivered to all 10,000 (Postfix may split them across deliveries), or held with all.
    assert wait(lambda: len({r for d in sink.delivered for r in d.rcpts}) == 10_000
                or list(held_dir.glob("*.json")), timeout=120)
    held = list(held_dir.glob("*.json"))
    if held:
        assert len(json.loads(held[0].read_bytes())["rcpts"]) == 10_000


def test_a_50_mb_message_gets_a_verdict(milter_flow, sink, mail_school):
    attachment = ("A" * 76 + "\r\n") * (50 * 1024 * 1024 // 78)
    raw = (f"From: {TEACHER}\r\nTo: {OUT}\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
           "Content-Type: text/plain\r\n\r\nThe photos.\r\n--b\r\n"
           "Content-Type: application/octet-stream; name=photos.zip\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n" + attachment + "--b--\r\n").encode()
    code, _ = _send_exactly(milter_flow.public, TEACHER, [OUT], raw)
    assert code == 250
    assert wait(lambda: _ended(sink, mail_school["folder"] / "held"), timeout=120)
    if sink.delivered:  # all of it (Postfix adds the Date and Message-ID it lacks)
        assert sink.delivered[0].raw.endswith(raw.partition(b"\r\n\r\n")[2])

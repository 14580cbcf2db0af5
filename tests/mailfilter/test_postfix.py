"""The mail filter in a real Postfix's mail flow (Debian's Postfix on loopback, its own
instance), each journey twice: as the after-queue content filter (content_filter to the
filter, re-injection to a second smtpd) and as a milter of the public smtpd (notices and
released messages through the re-injection smtpd); delivery to a sink standing for the rest
of the world."""

import smtplib
import time

import pytest

from esafety.mailfilter.actions import ingest_events
from esafety.mailfilter.models import HeldMessage
from tests.mailfilter import postfix
from tests.mailfilter.conftest import postfix_flow
from tests.mailfilter.harness import message

pytestmark = [
    pytest.mark.postfix,
    pytest.mark.skipif(not postfix.available(),
                       reason="Debian postfix package not installed, or not running as root "
                              "(Postfix's master starts as root)"),
]

TEACHER = "tom@hollinspark.sch.uk"
PUPIL = "pip@hollinspark.sch.uk"
OBSCENE = "You are a fucking useless cunt and a piece of shit, fuck you."


@pytest.fixture(params=["content filter", "milter"])
def flow(request, mail_school, sink):
    """Postfix -> filter -> Postfix -> sink, or Postfix (its smtpd asking the milter) -> sink."""
    with postfix_flow(mail_school, sink, milter=request.param == "milter") as pf:
        yield pf


def submit(pf, mail_from, rcpts, raw):
    with smtplib.SMTP("127.0.0.1", pf.public, timeout=30) as smtp:
        smtp.sendmail(mail_from, rcpts, raw)


def wait(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_clean_staff_mail_is_delivered_as_it_was_sent(flow, sink):
    raw = message(TEACHER, "parent@known.example", "Trip on Friday", "Coats please.\n\n"
                  ".a line starting with a dot\nand a last line", X_Folded="one\r\n\ttwo")
    submit(flow, TEACHER, ["parent@known.example"], raw)
    assert wait(lambda: sink.to("parent@known.example"))
    [delivered] = sink.to("parent@known.example")
    assert delivered.message["Subject"] == "Trip on Friday"
    # Postfix adds its Received lines at the top; the rest arrives byte for byte.
    assert delivered.raw.endswith(raw)


def test_a_pupil_writing_to_an_unapproved_address_gets_the_plain_words_bounce(flow, sink):
    submit(flow, PUPIL, ["stranger@example.com"],
           message(PUPIL, "stranger@example.com", "hi", "hello there"))
    assert wait(lambda: sink.to(PUPIL))
    [bounce] = sink.to(PUPIL)
    assert "has not been sent" in bounce.text and "stranger@example.com" in bounce.text
    assert "ask your form tutor, Mr Teach" in bounce.text
    time.sleep(1)
    assert sink.to("stranger@example.com") == []
    assert flow.queue_count() == 0


def test_inbound_obscene_mail_is_returned_to_a_known_sender_and_the_recipient_told(flow, sink):
    submit(flow, "parent@known.example", [TEACHER],
           message("parent@known.example", TEACHER, "About today", OBSCENE))
    assert wait(lambda: sink.to("parent@known.example") and sink.to(TEACHER))
    assert "revised version" in sink.to("parent@known.example")[0].text
    [told] = sink.to(TEACHER)
    assert "returned to its" in told.text and OBSCENE.encode() not in told.raw


def test_a_held_message_released_in_the_web_app_is_delivered(flow, sink, mail_school,
                                                             client_for, dsl):
    raw = message("someone@forged.example", TEACHER, "About today", OBSCENE)
    submit(flow, "someone@forged.example", [TEACHER], raw)
    assert wait(lambda: ingest_events(mail_school["school"]).held == 1)
    assert sink.delivered == [] and flow.queue_count() == 0
    held = HeldMessage.objects.get()
    client = client_for(dsl)
    assert client.get(f"/mail/held/{held.pk}/").status_code == 200
    assert client.post(f"/mail/held/{held.pk}/release/").status_code == 302
    assert wait(lambda: sink.to(TEACHER))
    assert sink.to(TEACHER)[0].raw.endswith(raw)

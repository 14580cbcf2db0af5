"""The mail filter as a milter of a real Postfix (Debian's, on loopback, its own instance):
smtpd_milters on the public smtpd, notices and released messages through the re-injection
smtpd, delivery to a sink standing for the rest of the world. The same four journeys as
test_postfix.py, where the filter is the after-queue content filter."""

import smtplib
import time

import pytest

from esafety.mailfilter.actions import ingest_events
from esafety.mailfilter.models import HeldMessage
from tests.mailfilter import postfix
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


def submit(pf, mail_from, rcpts, raw):
    with smtplib.SMTP("127.0.0.1", pf.public, timeout=30) as smtp:
        return smtp.sendmail(mail_from, rcpts, raw)


def wait(predicate, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_clean_staff_mail_is_delivered_as_it_was_sent(milter_flow, sink):
    raw = message(TEACHER, "parent@known.example", "Trip on Friday", "Coats please.\n\n"
                  ".a line starting with a dot\nand a last line", X_Folded="one\r\n\ttwo")
    submit(milter_flow, TEACHER, ["parent@known.example"], raw)
    assert wait(lambda: sink.to("parent@known.example"))
    [delivered] = sink.to("parent@known.example")
    assert delivered.message["Subject"] == "Trip on Friday"
    # Postfix adds its Received line at the top; the rest arrives byte for byte.
    assert delivered.raw.endswith(raw)


def test_a_pupil_writing_to_an_unapproved_address_gets_the_plain_words_bounce(milter_flow, sink):
    submit(milter_flow, PUPIL, ["stranger@example.com"],
           message(PUPIL, "stranger@example.com", "hi", "hello there"))
    assert wait(lambda: sink.to(PUPIL))
    [bounce] = sink.to(PUPIL)
    assert "has not been sent" in bounce.text and "stranger@example.com" in bounce.text
    assert "ask your form tutor, Mr Teach" in bounce.text
    time.sleep(1)
    assert sink.to("stranger@example.com") == []
    assert milter_flow.queue_count() == 0


def test_inbound_obscene_mail_is_returned_to_a_known_sender_and_the_recipient_told(milter_flow, sink):
    submit(milter_flow, "parent@known.example", [TEACHER],
           message("parent@known.example", TEACHER, "About today", OBSCENE))
    assert wait(lambda: sink.to("parent@known.example") and sink.to(TEACHER))
    assert "revised version" in sink.to("parent@known.example")[0].text
    [told] = sink.to(TEACHER)
    assert "returned to its" in told.text and OBSCENE.encode() not in told.raw


def test_a_held_message_released_in_the_web_app_is_delivered(milter_flow, sink, mail_school,
                                                             client_for, dsl):
    raw = message("someone@forged.example", TEACHER, "About today", OBSCENE)
    submit(milter_flow, "someone@forged.example", [TEACHER], raw)
    assert wait(lambda: ingest_events(mail_school["school"]).held == 1)
    assert sink.delivered == [] and milter_flow.queue_count() == 0
    held = HeldMessage.objects.get()
    client = client_for(dsl)
    assert client.get(f"/mail/held/{held.pk}/").status_code == 200
    assert client.post(f"/mail/held/{held.pk}/release/").status_code == 302
    assert wait(lambda: sink.to(TEACHER))
    assert sink.to(TEACHER)[0].raw.endswith(raw)


def test_the_filter_down_means_451_and_the_message_kept_by_its_sender(mail_school, sink):
    with postfix.Postfix(sink.port, postfix.free_port(), milter=True) as pf:
        # (Postfix answers at MAIL FROM: it asks the milter at the start of each session.)
        with pytest.raises((smtplib.SMTPSenderRefused, smtplib.SMTPDataError)) as refused:
            submit(pf, TEACHER, ["parent@known.example"],
                   message(TEACHER, "parent@known.example", "Trip", "Coats please."))
        assert refused.value.smtp_code == 451
        assert pf.queue_count() == 0 and sink.delivered == []


def test_the_command_with_several_processes_serves_postfix(mail_school, sink, settings):
    """`esafety mail filter --milter --processes 2`, as the service file runs it."""
    import socket
    import subprocess
    import sys

    port = postfix.free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "esafety.mailfilter.server", "--milter", "--listen",
         f"127.0.0.1:{port}", "--next-hop", "127.0.0.1:1", "--school",
         mail_school["school"].slug, "--data-dir", str(settings.DATA_DIR), "--processes", "2"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        assert wait(lambda: _listening(socket, port))
        with postfix.Postfix(sink.port, port, milter=True) as pf:
            for n in range(4):
                submit(pf, TEACHER, ["parent@known.example"],
                       message(TEACHER, "parent@known.example", f"note {n}", "Coats please."))
            assert wait(lambda: len(sink.to("parent@known.example")) == 4)
    finally:
        proc.terminate()
        assert proc.wait(30) == 0


def _listening(socket, port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
        return True
    except OSError:
        return False

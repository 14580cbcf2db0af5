"""What is the milter's own in a real Postfix (Debian's, on loopback, its own instance): the
milter down, and the command with several processes. The journeys through the filter, as a
milter and as the content filter, are in test_postfix.py."""

import smtplib

import pytest

from tests.mailfilter import postfix
from tests.mailfilter.harness import message
from tests.mailfilter.test_postfix import submit, wait

pytestmark = [
    pytest.mark.postfix,
    pytest.mark.skipif(not postfix.available(),
                       reason="Debian postfix package not installed, or not running as root "
                              "(Postfix's master starts as root)"),
]

TEACHER = "tom@hollinspark.sch.uk"


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

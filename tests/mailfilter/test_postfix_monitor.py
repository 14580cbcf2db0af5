"""Postfix's `recipient_bcc_maps` copy reaches `esafety mail monitor` (the receiver of
monitoring copies, esafety/mailmonitor), and a pupil's self-harm message becomes an urgent
concern emailed to the safeguarding lead."""

import smtplib
import time

import pytest
from django.core import mail

from esafety.concerns.models import Concern
from tests.mailfilter import postfix
from tests.mailfilter.harness import message
from tests.mailmonitor.conftest import start

pytestmark = [
    pytest.mark.postfix,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not postfix.available(),
                       reason="Debian postfix package not installed, or not running as root"),
]

PUPIL = "pip@hollinspark.sch.uk"


def test_a_bcc_copy_reaches_the_monitor_and_self_harm_is_an_urgent_concern(
        disposable_append_only_tables, mail_school, sink, settings, dsl):
    monitor = start(mail_school["school"])
    bcc = (f"recipient_bcc_maps = inline:{{ {{@hollinspark.sch.uk=copies@monitor.invalid}} }}\n"
           f"transport_maps = inline:{{ {{monitor.invalid=smtp:[127.0.0.1]:{monitor.port}}} }}")
    try:
        with postfix.Postfix(sink.port, None, extra=bcc) as pf:
            raw = message(PUPIL, "tom@hollinspark.sch.uk", "tonight",
                          "I want to kill myself tonight, I can't go on and nobody would "
                          "miss me.")
            with smtplib.SMTP("127.0.0.1", pf.public, timeout=30) as smtp:
                smtp.sendmail(PUPIL, ["tom@hollinspark.sch.uk"], raw)
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and not (
                    Concern.objects.filter(rule="content.self-harm").exists()
                    and sink.to("tom@hollinspark.sch.uk") and monitor.handler.accepted):
                time.sleep(0.2)
        concern = Concern.objects.get(rule="content.self-harm")
        assert concern.urgent and concern.source == "mail_flow"
        assert concern.person == mail_school["pupil"]
        assert monitor.handler.accepted == 1
        assert [d.rcpts for d in sink.delivered] == [["tom@hollinspark.sch.uk"]]
        assert any(dsl.email in m.to for m in mail.outbox)
    finally:
        monitor.server.stop()
        monitor.handler.close()

"""The designated person's alert goes out through Django's mail settings to a real SMTP server."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller

from esafety.errors import InvalidInput
from esafety.incidents import actions


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server(settings):
    inbox = Inbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    yield inbox
    controller.stop()


def test_the_alert_is_delivered_by_smtp_after_commit(smtp_server, pupil, dsl,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        incident = actions.incident_report(actor=pupil, kind="grooming", via="pupil",
                                           description="A man online asked for my address",
                                           people=[pupil])
    assert smtp_server.messages == []  # nothing is sent before the report is saved
    for callback in callbacks:
        callback()
    [(recipients, message)] = smtp_server.messages
    assert recipients == [dsl.email]
    assert message["Subject"].startswith(f"URGENT: New online safety report {incident.reference}")
    assert "address" not in message.get_payload()


def test_a_refused_report_sends_nothing(smtp_server, pupil, dsl,
                                        django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(InvalidInput):
        actions.incident_report(actor=pupil, kind="cyberbullying", description="   ")
    assert smtp_server.messages == []

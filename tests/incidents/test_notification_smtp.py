"""The designated person's alert goes out through Django's mail settings to a real SMTP server."""

import email
import socket

import pytest
from aiosmtpd.controller import Controller
from django.core import mail
from django.urls import reverse

from esafety.errors import InvalidInput
from esafety.incidents import actions, notifications, selectors
from esafety.incidents.chain import verify_incident
from esafety.incidents.models import Incident, IncidentEvent


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


# --- the outcome of the alert is recorded, and the reporter is told the truth -------------

@pytest.fixture
def closed_port():
    """A loopback port with nothing listening: connecting is refused at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_down(settings, closed_port):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = closed_port
    settings.EMAIL_TIMEOUT = 5


def _events(incident, kind):
    return list(IncidentEvent.objects.filter(incident=incident, kind=kind))


def test_a_delivered_alert_is_recorded_in_the_history(smtp_server, pupil, dsl,
                                                      django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                           description="Mean comments", people=[pupil])
    [sent] = _events(incident, "notification_sent")
    assert sent.data["to"] == [dsl.pk] and sent.data["name"] == dsl.display_name
    assert _events(incident, "notification_failed") == []
    assert not selectors.notification_failed(incident)
    assert verify_incident(incident).ok


def test_an_unreachable_mail_server_is_recorded_as_a_failure_with_the_reason(
        smtp_down, pupil, dsl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                           description="Mean comments", people=[pupil])
    assert Incident.objects.filter(pk=incident.pk).exists()  # the report itself stands
    [failed] = _events(incident, "notification_failed")
    assert failed.data["to"] == [dsl.pk]
    assert f"the email to {dsl.display_name} failed (ConnectionRefusedError" in \
        failed.data["reason"]
    assert failed.actor is None and failed.actor_label == "system"
    assert _events(incident, "notification_sent") == []
    assert selectors.notification_failed(incident)
    assert verify_incident(incident).ok


def test_a_mail_server_that_refuses_the_message_is_a_failure(
        smtp_server, pupil, dsl, django_capture_on_commit_callbacks, monkeypatch):
    async def refuse(server, session, envelope):
        return "550 mailbox unavailable"

    monkeypatch.setattr(smtp_server, "handle_DATA", refuse)
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                           description="Mean comments", people=[pupil])
    [failed] = _events(incident, "notification_failed")
    assert "550" in failed.data["reason"]


def test_a_mail_server_that_never_answers_gives_up_and_records_it(
        settings, pupil, dsl, django_capture_on_commit_callbacks):
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(1)  # accepts the connection, never says hello
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.EMAIL_TIMEOUT = 0.5
        with django_capture_on_commit_callbacks(execute=True):
            incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                               description="Mean comments", people=[pupil])
    [failed] = _events(incident, "notification_failed")
    assert "timed out" in failed.data["reason"].lower()


def test_the_console_mail_setting_is_not_reported_as_sent(settings, pupil, dsl,
                                                          django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                           description="Mean comments", people=[pupil])
    [failed] = _events(incident, "notification_failed")
    assert "only prints emails" in failed.data["reason"]
    assert _events(incident, "notification_sent") == []


def test_nobody_to_tell_is_recorded_as_a_failure(pupil, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                           description="Mean comments", people=[pupil])
    [failed] = _events(incident, "notification_failed")
    assert failed.data["reason"].startswith("nobody to tell")
    assert mail.outbox == []


@pytest.fixture
def commits_at_once(monkeypatch):
    """In a test, the report's transaction never really commits: run after-commit work at once,
    as it runs in a real request (before the page is answered)."""
    from django.db import transaction

    monkeypatch.setattr(transaction, "on_commit", lambda func, using=None, robust=False: func())


def test_the_pupil_is_told_plainly_that_the_email_failed(smtp_down, pupil, dsl, client_for,
                                                         commits_at_once):
    client = client_for(pupil)
    response = client.post(reverse("incidents:report"), {
        "kind": "cyberbullying", "description": "People keep posting mean things"},
        follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "We could not send a message to the staff who keep you safe just now" in page
    assert "Your report is saved" in page
    assert "passed to the designated safeguarding lead" not in page
    assert "notification" not in page.lower()  # no internal names


def test_a_member_of_staff_is_told_the_email_failed(smtp_down, teacher, dsl, client_for,
                                                    commits_at_once):
    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "device_loss", "description": "Laptop left on the bus"}, follow=True)
    page = response.content.decode()
    assert "we could not email the designated safeguarding lead just now" in page
    assert "they will see it in the incident log" in page


def test_no_warning_when_the_email_went(smtp_server, teacher, dsl, client_for,
                                        commits_at_once):
    response = client_for(teacher).post(reverse("incidents:report"), {
        "kind": "device_loss", "description": "Laptop left on the bus"}, follow=True)
    page = response.content.decode()
    assert "could not email" not in page
    assert len(smtp_server.messages) == 1


def test_the_dsl_sees_failed_alerts_on_the_log_and_the_case_page_but_others_do_not(
        smtp_down, pupil, dsl, teacher, outsider, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                           description="Mean comments", people=[pupil])
    log_page = client_for(dsl).get(reverse("incidents:home")).content.decode()
    assert 'id="unalerted"' in log_page and incident.reference in log_page
    case = client_for(dsl).get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "The alert email about this case was not sent" in case
    assert "ConnectionRefusedError" in case
    assert "Alert email NOT sent" in case  # in the history
    assert 'id="unalerted"' not in client_for(teacher).get(reverse("incidents:home")).content.decode()
    assert 'id="unalerted"' not in client_for(outsider).get(reverse("incidents:home")).content.decode()
    assert client_for(teacher).get(reverse("incidents:detail", args=[incident.pk])).status_code == 404
    reporter_view = client_for(pupil).get(reverse("incidents:detail", args=[incident.pk]))
    assert "ConnectionRefusedError" not in reporter_view.content.decode()
    # Once someone responds, the log stops flagging it; the history keeps it.
    actions.incident_acknowledge(actor=dsl, incident=incident)
    assert 'id="unalerted"' not in client_for(dsl).get(reverse("incidents:home")).content.decode()


def test_a_silent_server_is_waited_for_once_not_once_per_person(
        settings, pupil, dsl, make_person, django_capture_on_commit_callbacks, monkeypatch):
    from esafety.directory import roles

    deputy = make_person(roles.DSL, username="dsl2", first_name="Dee", last_name="Deputy")
    monkeypatch.setattr(notifications, "recipients_for", lambda incident: [dsl, deputy])
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(2)
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", silent.getsockname()[1]
        settings.EMAIL_TIMEOUT = 0.5
        with django_capture_on_commit_callbacks(execute=True):
            incident = actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                               description="Mean comments", people=[pupil])
    [failed] = _events(incident, "notification_failed")
    assert failed.data["to"] == [dsl.pk, deputy.pk]
    assert "timed out" in failed.data["reason"].lower()
    assert f"the email to {deputy.display_name} was not tried (same problem)" in \
        failed.data["reason"]

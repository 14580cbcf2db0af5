"""Urgent concerns are emailed at once, after commit; the rest go into the daily summary;
a failure is recorded where the IT manager sees it, never silent."""

import smtplib

import pytest
from django.core import mail

from esafety.audit.models import AuditEvent
from esafety.concerns import notifications, rules
from esafety.concerns.models import Concern


def test_an_urgent_concern_is_emailed_after_commit_and_says_where_not_what(
        raise_concern, dsl, headteacher, pupil, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_concern(rules.SELF_HARM, person=pupil, excerpt="secret words")
        assert mail.outbox == []  # not before the concern has committed
    assert [m.to for m in mail.outbox] == [[dsl.email], [headteacher.email]]
    message = mail.outbox[0]
    assert message.subject.startswith("URGENT") and concern.reference in message.subject
    assert f"/concerns/{concern.pk}/" in message.body
    assert "secret words" not in message.body + message.subject
    assert pupil.display_name not in message.body
    concern.refresh_from_db()
    assert concern.emailed_to == ["Dev Safeguard", "Helen Head"] and not concern.email_failure
    assert AuditEvent.objects.get(event_type="concern_email_sent").details["to"] == [
        "Dev Safeguard", "Helen Head"]


def test_a_rolled_back_concern_emails_nobody(raise_concern, dsl,
                                             django_capture_on_commit_callbacks):
    from django.db import transaction

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            raise_concern(rules.SELF_HARM)
            raise RuntimeError("something else failed")
    assert callbacks == [] and mail.outbox == [] and Concern.objects.count() == 0


def test_a_concern_that_is_not_urgent_is_not_emailed_at_once(
        raise_concern, dsl, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_concern(rules.EXTREMISM, source=rules.SAFEGUARDING_REQUEST)  # a blocked site
        raise_concern(rules.MISUSE)
    assert mail.outbox == []


@pytest.mark.parametrize("topic", [rules.EXTREMISM, rules.VIOLENCE])
def test_extremism_and_threats_in_a_message_are_told_at_once(
        raise_concern, dsl, django_capture_on_commit_callbacks, topic):
    """As before the inbox: what someone wrote or received about extremism or violence reaches
    the designated person at once, not in tomorrow's summary."""
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_concern(topic)
    assert concern.urgent and [m.to for m in mail.outbox] == [[dsl.email]]


def _mail_server_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPConnectError(421, "mail server down")

    monkeypatch.setattr("esafety.mail.send_mail", refuse)


def test_when_the_mail_server_is_down_the_failure_is_recorded_and_shown(
        raise_concern, dsl, headteacher, it_manager, client_for, monkeypatch,
        django_capture_on_commit_callbacks):
    _mail_server_down(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_concern(rules.ABUSE, excerpt="secret words")
    concern.refresh_from_db()
    assert concern.emailed_to == [] and "mail server down" in concern.email_failure
    assert "the email to Helen Head was not tried (same problem)" in concern.email_failure
    failed = AuditEvent.objects.get(event_type="concern_email_failed")
    assert failed.details["to"] == ["Dev Safeguard", "Helen Head"]
    page = client_for(it_manager).get("/concerns/email-problems/")
    body = page.content.decode()
    assert page.status_code == 200 and concern.reference in body and "mail server down" in body
    assert "secret words" not in body
    assert "could not be sent" in client_for(dsl).get("/concerns/").content.decode()
    detail = client_for(dsl).get(f"/concerns/{concern.pk}/").content.decode()
    assert "The email about this concern could not be sent to everyone" in detail


def test_with_nobody_to_tell_the_failure_is_recorded(raise_concern, school,
                                                     django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        concern = raise_concern(rules.SELF_HARM)
    concern.refresh_from_db()
    assert concern.email_failure.startswith("nobody to tell")
    assert AuditEvent.objects.filter(event_type="concern_email_failed").count() == 1


def test_the_email_problems_page_is_not_for_everyone(client_for, teacher, pupil, outsider):
    for person in (teacher, pupil):
        assert client_for(person).get("/concerns/email-problems/").status_code == 404


def test_the_daily_summary_counts_new_concerns_without_saying_what(
        raise_concern, dsl, school, pupil, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        raise_concern(rules.BULLYING, person=pupil, excerpt="secret words")
        raise_concern(rules.VIOLENCE, person=pupil, source=rules.SAFEGUARDING_REQUEST)
        raise_concern(rules.SELF_HARM, person=pupil)  # urgent: emailed already
    mail.outbox.clear()
    assert notifications.send_daily_digest(school) == 1
    body = mail.outbox[0].body
    assert "2 new concerns since the last summary" in body
    assert "- Message check: 1" in body and "- Web request in a safeguarding category: 1" in body
    assert "1 urgent concern still waits for someone to act." in body
    assert "secret words" not in body and pupil.display_name not in body
    assert "/concerns/" in body
    assert not Concern.objects.filter(urgent=False, digested_at__isnull=True).exists()
    # Tomorrow: only the urgent one still waiting is mentioned.
    mail.outbox.clear()
    notifications.send_daily_digest(school)
    assert "No new concerns since the last summary." in mail.outbox[0].body


def test_a_daily_summary_with_nothing_to_say_is_not_sent(school, dsl):
    assert notifications.send_daily_digest(school) == 0 and mail.outbox == []


def test_a_daily_summary_that_fails_is_recorded_and_counted_again_tomorrow(
        raise_concern, dsl, school, monkeypatch):
    raise_concern(rules.EXTREMISM)
    _mail_server_down(monkeypatch)
    assert notifications.send_daily_digest(school) == 0
    failed = AuditEvent.objects.get(event_type="concern_email_failed")
    assert failed.details["email"] == "daily summary"
    assert Concern.objects.get().digested_at is None

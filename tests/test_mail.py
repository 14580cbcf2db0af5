"""esafety.mail: the one way every app sends email; it never raises and always says what
went wrong."""

import socket

from django.core import mail as outbox

from esafety import mail


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_send_says_nothing_when_it_went(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert mail.send("Subject", "Body", ["a@example.org"]) is None
    assert outbox.outbox[-1].to == ["a@example.org"]


def test_send_says_what_went_wrong_when_the_server_is_down(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    error = mail.send("Subject", "Body", ["a@example.org"])
    assert error and "ConnectionRefusedError" in error
    assert mail.send("Subject", "Body", []) == "nobody to send it to"


def test_send_each_names_everyone_it_could_not_reach(settings, make_person):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _closed_port()
    first, second = make_person(), make_person()
    nobody = make_person(email="")
    sent, failures = mail.send_each([first, second, nobody], "Subject", "Body")
    assert sent == []
    assert f"{nobody.display_name} has no email address" in failures
    assert any(first.display_name in f and "failed" in f for f in failures)
    assert f"the email to {second.display_name} was not tried (same problem)" in failures


def test_a_backend_that_does_not_send_is_a_failure(settings, make_person):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    sent, failures = mail.send_each([make_person()], "Subject", "Body")
    assert sent == [] and "only prints emails" in failures[0]


def test_send_each_sends_one_email_to_each_person(settings, make_person):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    people = [make_person(), make_person()]
    sent, failures = mail.send_each(people, "Subject", "Body")
    assert sent == people and failures == []
    assert [m.to for m in outbox.outbox[-2:]] == [[p.email] for p in people]

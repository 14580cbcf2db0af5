"""An install that sends no email (the demo's console backend) says so once on its console,
not once per notice; each notice still records that its email did not go."""

import logging

from esafety import mail
from esafety.notices.models import Notice
from esafety.notices.notifications import tell


def test_a_non_sending_backend_is_said_once_and_recorded_on_every_notice(
        school, teacher, headteacher, settings, caplog, monkeypatch):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    monkeypatch.setattr(mail, "_SAID_ONCE", set())
    with caplog.at_level(logging.WARNING):
        for n in range(3):
            tell([teacher, headteacher], school=school, kind="training_due",
                 title=f"Training due {n}", lines=["Online safety"], path="/training/",
                 key=f"quiet-{n}", urgent=True)
    said = [r for r in caplog.records if "console" in r.getMessage()]
    assert len(said) == 1
    assert Notice.objects.filter(kind="training_due").exclude(email_error="").count() == 6


def test_a_real_failure_is_said_every_time(caplog):
    log = logging.getLogger("test")
    with caplog.at_level(logging.WARNING):
        mail.log_failures(log, "notices", ["the email to Ann failed (timeout)"])
        mail.log_failures(log, "notices", ["the email to Ann failed (timeout)"])
    assert len([r for r in caplog.records if "Ann" in r.getMessage()]) == 2

"""The head's and DSL's home page counts new cases whose alert email was not sent, with a link
to the incident log that lists them (failures are never silent)."""

from django.urls import reverse

from esafety.incidents import actions as incident_actions
from esafety.incidents import selectors as incident_selectors


def _report(pupil, capture):
    with capture(execute=True):
        return incident_actions.incident_report(actor=pupil, kind="cyberbullying", via="pupil",
                                                description="Mean comments in a group chat.",
                                                people=[pupil])


def test_the_dsl_and_head_see_how_many_new_cases_were_not_emailed(
        settings, pupil, dsl, headteacher, teacher, client_for,
        django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"  # only prints
    failed = [_report(pupil, django_capture_on_commit_callbacks) for _ in range(2)]
    assert all(incident_selectors.notification_failed(i) for i in failed)
    link = reverse("incidents:home") + "#unalerted"
    for leader in (dsl, headteacher):
        page = client_for(leader).get("/").content.decode()
        assert "The alert email was not sent for 2 new cases</strong>" in page
        assert f'<a href="{link}">See which in the incident log</a>' in page
        log = client_for(leader).get(reverse("incidents:home")).content.decode()
        assert 'id="unalerted"' in log  # where the link leads
    assert "alert email was not sent" not in client_for(teacher).get("/").content.decode()


def test_no_count_when_the_alert_email_was_sent(
        settings, pupil, dsl, client_for, django_capture_on_commit_callbacks):
    _report(pupil, django_capture_on_commit_callbacks)  # the test mail setting delivers
    page = client_for(dsl).get("/").content.decode()
    assert "1 new</span>" in page and "alert email was not sent" not in page

"""Who was told: the concern page, the case page and the internet suspensions page each show
who was told (the notices kept), when, by what channel, and whether the email failed; the
"who was told" page is for those who may see the record, and nobody else."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from esafety.concerns import rules
from esafety.concerns.actions import concern_raise
from esafety.filtering import actions as filtering_actions
from esafety.incidents import actions as incident_actions
from esafety.notices.models import Notice


def told_section(page) -> str:
    html = page.content.decode()
    assert 'id="who-was-told"' in html
    return html.split('id="who-was-told"', 1)[1].split("</section>", 1)[0]


def urgent_concern(school, pupil, callbacks):
    with callbacks(execute=True):
        concern, _ = concern_raise(actor=None, school=school, topic=rules.SELF_HARM,
                                   person=pupil, source=rules.MESSAGE_CHECK,
                                   rule="content.self_harm", rule_title="Self-harm",
                                   excerpt="secret words")
    return concern


def report(pupil):
    return incident_actions.incident_report(
        actor=pupil, kind="cyberbullying", via="pupil", people=[pupil],
        description="People in my form keep posting mean comments about me.")


def suspend(it_manager, pupil, callbacks):
    with callbacks(execute=True):
        return filtering_actions.internet_suspend(
            actor=it_manager, pupil=pupil, starts_at=timezone.now() + datetime.timedelta(
                minutes=1), ends_at=timezone.now() + datetime.timedelta(hours=2),
            reason="Games in ICT after two warnings.")


def test_the_concern_page_shows_who_was_told_when_and_how(
        school, dsl, headteacher, pupil, client_for, django_capture_on_commit_callbacks):
    concern = urgent_concern(school, pupil, django_capture_on_commit_callbacks)
    section = told_section(client_for(dsl).get(reverse("concerns:detail", args=[concern.pk])))
    for person in (dsl, headteacher):
        assert person.display_name in section
    assert section.count("In esafety and by email") == 2
    notice = Notice.objects.get(recipient=dsl, about_type="concern")
    assert timezone.localtime(notice.created_at).strftime("%-d %b %Y %H:%M") in section
    assert reverse("notices:told_about", args=["concern", concern.pk]) in section


def test_a_failed_email_shows_on_the_concern_page(
        school, dsl, pupil, client_for, mail_server_down, django_capture_on_commit_callbacks):
    concern = urgent_concern(school, pupil, django_capture_on_commit_callbacks)
    section = told_section(client_for(dsl).get(reverse("concerns:detail", args=[concern.pk])))
    assert "the email could not be sent" in section and "email NOT sent" in section
    assert "ConnectionRefusedError" in section


def test_the_case_page_shows_who_was_told_and_its_reporter_does_not_see_it(
        school, dsl, pupil, client_for, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        incident = report(pupil)
    page = client_for(dsl).get(reverse("incidents:detail", args=[incident.pk]))
    section = told_section(page)
    assert dsl.display_name in section and "In esafety and by email" in section
    reporter = client_for(pupil).get(reverse("incidents:detail", args=[incident.pk]))
    assert reporter.status_code == 200
    assert 'id="who-was-told"' not in reporter.content.decode()
    assert client_for(pupil).get(reverse(
        "notices:told_about", args=["incident", incident.pk])).status_code == 404


def test_the_suspensions_page_shows_who_was_told_of_each(
        school, dsl, it_manager, pupil, parent, client_for, mail_server_down,
        django_capture_on_commit_callbacks):
    suspension = suspend(it_manager, pupil, django_capture_on_commit_callbacks)
    html = client_for(it_manager).get(reverse("filtering:suspensions")).content.decode()
    row = html.split(f"the suspension of {pupil.display_name}", 1)[0].rsplit("<tr>", 1)[1]
    assert dsl.display_name in row and parent.display_name in row
    assert "email NOT sent" in row  # the mail server is down: never silent
    assert reverse("notices:told_about", args=["suspension", suspension.pk]) in row


@pytest.mark.parametrize("about", ["concern", "incident", "suspension"])
def test_the_who_was_told_page_is_for_those_who_may_see_the_record(
        about, school, dsl, it_manager, teacher, outsider, pupil, parent, client_for,
        django_capture_on_commit_callbacks):
    if about == "concern":
        pk = urgent_concern(school, pupil, django_capture_on_commit_callbacks).pk
    elif about == "incident":
        with django_capture_on_commit_callbacks(execute=True):
            pk = report(pupil).pk
    else:
        pk = suspend(it_manager, pupil, django_capture_on_commit_callbacks).pk
    url = reverse("notices:told_about", args=[about, pk])
    page = client_for(dsl).get(url)
    assert page.status_code == 200 and dsl.display_name in page.content.decode()
    for other in (teacher, outsider, parent):
        assert client_for(other).get(url).status_code == 404
    missing = reverse("notices:told_about", args=[about, pk + 1000])
    assert client_for(dsl).get(missing).status_code == 404


def test_nobody_but_the_allegation_s_owner_sees_who_was_told_of_it(
        school, dsl, headteacher, teacher, pupil, client_for,
        django_capture_on_commit_callbacks):
    incident = report(pupil)
    with django_capture_on_commit_callbacks(execute=True):
        incident_actions.allegation_subject_set(actor=dsl, incident=incident, person=teacher)
    url = reverse("notices:told_about", args=["incident", incident.pk])
    head = client_for(headteacher).get(url)
    assert head.status_code == 200 and headteacher.display_name in head.content.decode()
    assert client_for(teacher).get(url).status_code == 404

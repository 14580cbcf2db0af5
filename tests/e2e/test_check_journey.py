"""A teacher checks a message in a real browser before sending it."""

import pytest
from playwright.sync_api import expect

from esafety.concerns import rules as concern_rules
from esafety.concerns.models import Concern
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow, sign_in

pytestmark = pytest.mark.e2e


def _open_checker(page, person):
    sign_in(page, person.username, PASSWORD)
    follow(page.get_by_role("navigation", name="Main").get_by_role("link", name="Check a message"))


def test_teacher_checks_a_message_and_sees_what_to_do(page, teacher):
    _open_checker(page, teacher)
    page.get_by_label("Paste the message").fill(
        "Dear parents, PLEASE RETURN THE CONSENT FORMS BY FRIDAY. Text me on 07700 900123. "
        "Honestly this sh1t trip is a nightmare.")
    follow(page.get_by_role("button", name="Check this message"))
    verdict = page.locator("#verdict")
    # No To: line and no answer to "Who is it going to?": checked as leaving the school, so
    # the personal mobile number is held (it used to pass as a WARN).
    assert "HOLD" in verdict.get_by_role("heading", level=2).inner_text()
    expect(verdict.get_by_role(
        "heading", name="Personal contact details given to a pupil or parent")).to_be_visible()
    expect(verdict.get_by_role("heading", name="Swearing or obscene language")).to_be_visible()
    expect(verdict.get_by_role("heading", name="Continuous capital letters")).to_be_visible()
    assert "004 §2.1.3" in verdict.inner_text()
    assert "sh1t" in verdict.inner_text()
    # The pasted text stays in the box, so the teacher can fix it and check again.
    assert "sh1t" in page.get_by_label("Paste the message").input_value()


DRAFT = ("Dear parents, Oliver Bennett had an asthma attack at lunch today. As he is on the "
         "child protection register, please keep this to yourselves. If you need me, call my "
         "mobile on 07700 900123.")


def test_a_draft_is_checked_for_who_it_is_going_to(page, teacher):
    _open_checker(page, teacher)
    page.get_by_label("Paste the message").fill(DRAFT)
    page.get_by_label("Parents or carers").check()
    follow(page.get_by_role("button", name="Check this message"))
    verdict = page.locator("#verdict")
    assert "HOLD" in verdict.get_by_role("heading", level=2).inner_text()
    assert "going to parents or carers, as you said" in verdict.inner_text()
    page.get_by_label("Staff in the school").check()
    follow(page.get_by_role("button", name="Check this message"))
    assert "ALLOW" in page.locator("#verdict").get_by_role("heading", level=2).inner_text()


def test_a_received_message_about_self_harm_is_passed_to_the_dsl(page, teacher, dsl, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    _open_checker(page, teacher)
    page.get_by_label("Paste the message").fill(
        "From: Sam <sam@example.net>\nSubject: sorry\n\nI want to kill myself tonight, I cannot "
        "go on any more.")
    page.get_by_label("I received it").check()
    follow(page.get_by_role("button", name="Check this message"))
    told = page.locator("#who-was-told").inner_text()
    # A concern in the designated person's inbox (urgent: emailed at once), not an incident.
    concern = Concern.objects.get()
    assert "We have told Dev Safeguard, the designated safeguarding lead." in told
    assert concern.reference in told and concern.source == concern_rules.MESSAGE_CHECK
    assert concern.urgent and "kill myself" in concern.excerpt

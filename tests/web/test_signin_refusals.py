"""A leaver, an expired guest or a switched-off account who types the right password is told
plainly why they cannot sign in (003 §5.9), as through the school's provider; a wrong
password or an unknown name gets the usual answer, so nothing is learnt by guessing."""

import datetime

import pytest
from django.utils import timezone

from esafety.audit.models import AuditEvent
from esafety.directory import roles
from esafety.directory.actions import person_leave
from tests.conftest import PASSWORD


def _sign_in(client, username, password=PASSWORD):
    return client.post("/sign-in/", {"username": username, "password": password})


@pytest.fixture
def leaver(make_person, headteacher):
    person = make_person(roles.TEACHER)
    person_leave(actor=headteacher, person=person)
    return person


def test_a_leaver_with_the_right_password_is_told_their_account_has_ended(client, leaver):
    page = _sign_in(client, leaver.username)
    text = page.content.decode()
    assert page.status_code == 403 and "Your school account has ended" in text
    assert "_auth_user_id" not in client.session
    event = AuditEvent.objects.filter(event_type="sign_in_refused").get()
    assert event.details["reason"] == "left"


def test_an_expired_guest_and_a_switched_off_account_are_told_too(client, make_person):
    guest = make_person(roles.VISITOR,
                        access_expires_at=timezone.now() - datetime.timedelta(hours=1))
    off = make_person(roles.TEACHER, is_active=False)
    assert "Your guest access has ended" in _sign_in(client, guest.username).content.decode()
    assert "This account is switched off" in _sign_in(client, off.username).content.decode()


def test_a_wrong_password_for_a_leaver_gets_the_usual_answer(client, leaver):
    page = _sign_in(client, leaver.username, "not-the-password")
    text = page.content.decode()
    assert page.status_code == 200 and "has ended" not in text
    assert not AuditEvent.objects.filter(event_type="sign_in_refused").exists()


def test_someone_who_may_sign_in_is_signed_in(client, teacher):
    page = _sign_in(client, teacher.username)
    assert page.status_code == 302 and client.session["_auth_user_id"] == str(teacher.pk)

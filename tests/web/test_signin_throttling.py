"""Sign-in throttling: guessing stops, the school is never locked out, and pauses end by themselves."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from axes.models import AccessAttempt
from django.test import Client

from esafety.directory import roles
from tests.conftest import PASSWORD

ATTACKER = "198.51.100.66"
HOME = "198.51.100.5"
SCHOOL = "203.0.113.10"


def sign_in(username, password, address, client=None, **headers):
    client = client or Client()
    return client.post("/sign-in/", {"username": username, "password": password, "next": "/"},
                       REMOTE_ADDR=address, **headers)


def wrong(username, address, times, **headers):
    for n in range(times):
        answer = sign_in(username, f"guess-{n}", address, **headers)
        assert answer.status_code in (200, 429)
    return answer


def test_a_hundred_guesses_then_the_right_password_does_not_get_in(headteacher):
    wrong(headteacher.username, ATTACKER, 100)
    answer = sign_in(headteacher.username, PASSWORD, ATTACKER)
    assert answer.status_code == 429
    assert "_auth_user_id" not in answer.wsgi_request.session


def test_five_wrong_passwords_pause_that_account_from_that_address(headteacher):
    for _ in range(4):
        assert sign_in(headteacher.username, "nope", ATTACKER).status_code == 200
    answer = sign_in(headteacher.username, "nope", ATTACKER)
    assert answer.status_code == 429
    page = answer.content.decode()
    assert "Signing in is paused for 15 minutes, until" in page
    assert "The password for this username was wrong too many times in a row" in page
    # Even the right password is refused until the pause ends.
    assert sign_in(headteacher.username, PASSWORD, ATTACKER).status_code == 429


def test_the_page_says_when_to_try_again(headteacher, settings):
    settings.TIME_ZONE = "Europe/London"
    wrong(headteacher.username, ATTACKER, 5)
    last = AccessAttempt.objects.get(username=headteacher.username).attempt_time
    until = (last + datetime.timedelta(minutes=15)).astimezone(ZoneInfo("Europe/London"))
    page = sign_in(headteacher.username, PASSWORD, ATTACKER).content.decode()
    assert f"until {until:%H:%M}" in page


def test_someone_guessing_the_heads_password_cannot_lock_the_head_out(headteacher):
    wrong(headteacher.username, ATTACKER, 30)
    answer = sign_in(headteacher.username, PASSWORD, HOME)
    assert answer.status_code == 302
    assert answer["Location"] == "/"


def test_the_pause_ends_by_itself_after_the_cool_off(headteacher):
    wrong(headteacher.username, ATTACKER, 5)
    assert sign_in(headteacher.username, PASSWORD, ATTACKER).status_code == 429
    AccessAttempt.objects.update(attempt_time=datetime.datetime.now(datetime.UTC)
                                 - datetime.timedelta(minutes=16))
    assert sign_in(headteacher.username, PASSWORD, ATTACKER).status_code == 302


def test_one_address_trying_many_accounts_is_paused(make_person, settings):
    settings.SIGNIN_ADDRESS_LIMIT = 20
    people = [make_person(roles.TEACHER) for _ in range(11)]
    for person in people[:10]:
        wrong(person.username, ATTACKER, 2)  # below the per-account limit each time
    answer = sign_in(people[10].username, PASSWORD, ATTACKER)
    assert answer.status_code == 429
    assert "Too many wrong passwords have been tried from this device's network" in (
        answer.content.decode())
    # Elsewhere, the same people sign in as usual.
    assert sign_in(people[10].username, PASSWORD, HOME).status_code == 302


def test_the_schools_own_network_is_never_paused_as_a_whole(make_person, settings):
    settings.SIGNIN_ADDRESS_LIMIT = 20
    settings.SIGNIN_SCHOOL_NETWORKS = ["203.0.113.0/24"]
    pupils = [make_person(roles.PUPIL) for _ in range(12)]
    for pupil in pupils[:11]:
        wrong(pupil.username, SCHOOL, 2)
    assert sign_in(pupils[11].username, PASSWORD, SCHOOL).status_code == 302
    # One account guessed at from inside school is still paused.
    wrong(pupils[0].username, SCHOOL, 3)
    assert sign_in(pupils[0].username, PASSWORD, SCHOOL).status_code == 429


def test_signing_in_to_your_own_account_does_not_clear_the_addresses_count(make_person, settings):
    settings.SIGNIN_ADDRESS_LIMIT = 20
    attacker = make_person(roles.PUPIL)
    victims = [make_person(roles.TEACHER) for _ in range(10)]
    for victim in victims[:9]:
        wrong(victim.username, ATTACKER, 2)
    assert sign_in(attacker.username, PASSWORD, ATTACKER).status_code == 302
    wrong(victims[9].username, ATTACKER, 2)
    assert sign_in(victims[9].username, PASSWORD, ATTACKER).status_code == 429


def test_a_successful_sign_in_clears_that_accounts_own_count(headteacher):
    wrong(headteacher.username, HOME, 4)
    assert sign_in(headteacher.username, PASSWORD, HOME).status_code == 302
    wrong(headteacher.username, HOME, 4)
    assert sign_in(headteacher.username, PASSWORD, HOME).status_code == 302


def test_behind_the_proxy_each_client_is_counted_by_its_own_address(headteacher, settings):
    settings.TRUSTED_PROXIES = ["127.0.0.1"]
    wrong(headteacher.username, "127.0.0.1", 5, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert sign_in(headteacher.username, PASSWORD, "127.0.0.1",
                   HTTP_X_FORWARDED_FOR=ATTACKER).status_code == 429
    assert sign_in(headteacher.username, PASSWORD, "127.0.0.1",
                   HTTP_X_FORWARDED_FOR=HOME).status_code == 302


@pytest.mark.parametrize("trusted", [[], ["127.0.0.1"]])
def test_a_made_up_forwarded_for_header_does_not_dodge_the_pause(headteacher, settings, trusted):
    settings.TRUSTED_PROXIES = trusted
    for n in range(5):
        # The client writes its own X-Forwarded-For; a trusted proxy appends the real address.
        forwarded = f"10.9.8.{n}, {ATTACKER}" if trusted else f"10.9.8.{n}"
        remote = "127.0.0.1" if trusted else ATTACKER
        sign_in(headteacher.username, "nope", remote, HTTP_X_FORWARDED_FOR=forwarded)
    forwarded = f"10.9.8.99, {ATTACKER}" if trusted else "10.9.8.99"
    remote = "127.0.0.1" if trusted else ATTACKER
    assert sign_in(headteacher.username, PASSWORD, remote,
                   HTTP_X_FORWARDED_FOR=forwarded).status_code == 429

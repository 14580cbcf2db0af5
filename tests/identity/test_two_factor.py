"""Two-factor sign-in: the headteacher, DSL, online safety lead and IT manager set up an
authenticator app at their next sign-in and give a code every time after; others are not
asked; a school can switch it off with a reason."""

import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.contrib.auth import SESSION_KEY

from esafety.audit.models import AuditEvent
from esafety.identity import actions
from tests.conftest import PASSWORD
from tests.identity.fakeidp import configure, sign_in


def code_for(secret: str) -> str:
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def two_factor_on(school):
    actions.sign_in_configure(actor=None, school=school, changes={"two_factor_for_leaders": True})


def password_sign_in(client, username):
    return client.post("/sign-in/", {"username": username, "password": PASSWORD})


def test_a_dsl_sets_up_the_app_at_the_next_sign_in_then_gives_a_code_every_time(client, school, dsl):
    two_factor_on(school)
    password_sign_in(client, "dsl")
    response = client.get("/incidents/")
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/two-factor/")
    page = client.get("/sign-in/two-factor/").content.decode()
    assert "Set up two-factor sign-in" in page
    secret = client.session["identity.totp_secret"]
    response = client.post("/sign-in/two-factor/", {"code": code_for(secret), "next": "/incidents/"})
    assert response["Location"] == "/incidents/"
    assert client.get("/incidents/").status_code == 200
    assert Authenticator.objects.filter(user=dsl).count() == 1
    assert AuditEvent.objects.filter(event_type="two_factor_enrolled").count() == 1

    client.post("/sign-out/")
    password_sign_in(client, "dsl")
    assert client.get("/incidents/").status_code == 302
    assert "Your two-factor code" in client.get("/sign-in/two-factor/").content.decode()
    # A code already used cannot be used again; the next period's code is fresh.
    next_code = format_hotp_value(hotp_value(secret, int(time.time()) // 30 + 1))
    client.post("/sign-in/two-factor/", {"code": next_code})
    assert client.get("/incidents/").status_code == 200


def test_a_wrong_code_is_not_enough_and_five_sign_the_person_out(client, school, headteacher):
    two_factor_on(school)
    password_sign_in(client, "head")
    client.get("/sign-in/two-factor/")
    for _ in range(4):
        response = client.post("/sign-in/two-factor/", {"code": "123456"})
        assert "not right" in response.content.decode()
        assert client.get("/").status_code == 302
    response = client.post("/sign-in/two-factor/", {"code": "123456"})
    assert response.status_code == 403
    assert SESSION_KEY not in client.session
    assert Authenticator.objects.count() == 0


def test_leaders_signing_in_with_the_schools_provider_are_asked_too(client, idp, school, it_manager):
    configure(school, idp, two_factor_for_leaders=True)
    response = sign_in(client, idp, school, {"sub": "i", "preferred_username": "itm"},
                       next_url="/filtering/")
    assert response["Location"] == "/filtering/"
    response = client.get("/filtering/")
    assert response["Location"] == "/sign-in/two-factor/?next=/filtering/"


@pytest.mark.parametrize("role", ["teacher", "pupil"])
def test_others_are_not_asked(client, school, make_person, role):
    two_factor_on(school)
    person = make_person(role, username=f"a{role}")
    password_sign_in(client, person.username)
    assert client.get("/").status_code == 200


def test_a_school_that_switched_it_off_does_not_ask_its_leaders(client, school, dsl):
    actions.sign_in_configure(actor=None, school=school, changes={
        "two_factor_for_leaders": False, "two_factor_note": "demo school"})
    password_sign_in(client, "dsl")
    assert client.get("/").status_code == 200


def test_someone_who_set_up_an_app_is_always_asked(client, school, teacher):
    actions.two_factor_enrol(person=teacher, secret="JBSWY3DPEHPK3PXP")
    password_sign_in(client, "teacher")
    assert client.get("/").status_code == 302


def test_a_leader_owing_a_code_can_still_report_a_concern(client, school, dsl):
    two_factor_on(school)
    password_sign_in(client, "dsl")
    assert client.get("/incidents/report/").status_code == 200


def test_the_it_manager_resets_a_lost_phone(client_for, school, teacher, it_manager):
    actions.two_factor_enrol(person=teacher, secret="JBSWY3DPEHPK3PXP")
    client = client_for(it_manager)
    client.post(f"/sign-in/settings/two-factor/{teacher.pk}/reset/")
    assert Authenticator.objects.filter(user=teacher).count() == 0
    assert AuditEvent.objects.filter(event_type="two_factor_reset").count() == 1


def test_the_it_manager_cannot_reset_the_headteachers_app(client_for, school, headteacher, it_manager):
    actions.two_factor_enrol(person=headteacher, secret="JBSWY3DPEHPK3PXP")
    client_for(it_manager).post(f"/sign-in/settings/two-factor/{headteacher.pk}/reset/")
    assert Authenticator.objects.filter(user=headteacher).count() == 1


def test_the_sign_in_settings_wait_for_the_code_too(client, school, it_manager):
    two_factor_on(school)
    password_sign_in(client, "itm")
    response = client.get("/sign-in/settings/")
    assert response.status_code == 302
    assert response["Location"].startswith("/sign-in/two-factor/")


def test_the_code_that_set_up_the_app_cannot_be_given_again(client, school, dsl):
    two_factor_on(school)
    password_sign_in(client, "dsl")
    client.get("/sign-in/two-factor/")
    code = code_for(client.session["identity.totp_secret"])
    client.post("/sign-in/two-factor/", {"code": code})
    client.post("/sign-out/")
    password_sign_in(client, "dsl")
    response = client.post("/sign-in/two-factor/", {"code": code})
    assert "not right" in response.content.decode()
    assert client.get("/").status_code == 302


def test_a_school_with_no_sign_in_settings_saved_asks_its_leaders(client, school, dsl):
    """On by default: a school added any way (the admin, a script) asks before anyone saves."""
    from esafety.identity.models import SchoolSignIn

    SchoolSignIn.objects.filter(school=school).delete()
    password_sign_in(client, "dsl")
    page = client.get("/")
    assert page.status_code == 302 and page["Location"].startswith("/sign-in/two-factor/")

"""A real browser signs in through the test identity provider (devidp/, a real OpenID
Connect provider in its own process): a teacher reaches the page they asked for; a leaver is
refused with a clear page; an id_token with the wrong nonce signs nobody in."""

import secrets
import time

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.utils import timezone
from playwright.sync_api import expect

from esafety.identity import actions
from esafety.identity.models import ExternalIdentity
from tests.conftest import PASSWORD
from tests.e2e.conftest import follow
from tests.oidc_fixture import (  # noqa: F401  (the provider processes, session-wide)
    oidc_entra,
    oidc_google,
    start_oidc_provider,
)

PROVIDER_PASSWORD = "provider-password-1"


@pytest.fixture
def school_provider(oidc_entra, live_server, school):  # noqa: F811
    redirect = f"{live_server.url}/accounts/oidc/school-{school.slug}/login/callback/"
    client_id, client_secret = oidc_entra.add_client(redirect)
    actions.sign_in_configure(actor=None, school=school, changes={
        "enabled": True, "kind": "entra", "tenant_id": oidc_entra.tenant,
        "issuer_url": oidc_entra.issuer, "client_id": client_id, "client_secret": client_secret,
        "match_rule": "username", "two_factor_for_leaders": False})
    return oidc_entra


def provider_account(provider, username):
    name = f"{username}.{secrets.token_hex(3)}"
    return provider.add_user({"preferred_username": f"{name}@hollinspark.sch.uk",
                              "name": username.title()}, password=PROVIDER_PASSWORD), name


def sign_in_at_provider(page, account):
    page.get_by_label("Username").fill(account.username)
    page.get_by_label("Password").fill(PROVIDER_PASSWORD)
    follow(page.get_by_role("button", name="Sign in"))


def test_a_teacher_signs_in_with_microsoft_and_lands_on_the_page_they_asked_for(
        page, school_provider, make_person):
    account, name = provider_account(school_provider, "teacher")
    teacher = make_person("teacher", username=name, first_name="Tess", last_name="Browser")
    page.goto("/policies/")
    assert "/sign-in/" in page.url
    follow(page.get_by_role("link", name="Sign in with Microsoft"))
    sign_in_at_provider(page, account)
    page.wait_for_url("**/policies/")
    expect(page.get_by_text("Tess Browser").first).to_be_visible()
    identity = ExternalIdentity.objects.get(person=teacher)
    assert identity.subject == f"{school_provider.tenant}:{account.claims['oid']}".lower()


def test_a_leaver_is_refused_with_a_clear_page(page, school_provider, make_person):
    account, name = provider_account(school_provider, "leaver")
    make_person("pupil", username=name, left_on=timezone.localdate())
    page.goto("/sign-in/")
    follow(page.get_by_role("link", name="Sign in with Microsoft"))
    sign_in_at_provider(page, account)
    assert page.get_by_role("heading", level=1).inner_text() == "Your school account has ended"
    expect(page.get_by_role("link", name="childline.org.uk")).to_be_visible()


@pytest.mark.parametrize("mode", ["wrong_issuer", "wrong_audience", "wrong_nonce",
                                  "bad_signature", "expired"])
def test_an_id_token_that_cannot_be_trusted_signs_nobody_in(page, school_provider, make_person,
                                                            mode):
    account, name = provider_account(school_provider, "bad")
    make_person("teacher", username=name)
    with school_provider.misbehaving(mode):
        page.goto("/sign-in/")
        follow(page.get_by_role("link", name="Sign in with Microsoft"))
        sign_in_at_provider(page, account)
        assert page.get_by_role("heading", level=1).inner_text() == "Signing in did not finish"
    page.goto("/")
    assert "/sign-in/" in page.url


def test_a_pupil_signs_in_with_google_workspace_and_a_gmail_account_is_refused(
        page, live_server, oidc_google, school, make_person):  # noqa: F811
    redirect = f"{live_server.url}/accounts/oidc/school-{school.slug}/login/callback/"
    client_id, client_secret = oidc_google.add_client(redirect)
    actions.sign_in_configure(actor=None, school=school, changes={
        "enabled": True, "kind": "google", "hosted_domain": "hollinspark.sch.uk",
        "issuer_url": oidc_google.issuer, "client_id": client_id, "client_secret": client_secret,
        "match_rule": "username", "two_factor_for_leaders": False})
    name = f"pip.{secrets.token_hex(3)}"
    make_person("pupil", username=name, first_name="Pip", last_name="Google")
    pupil_account = oidc_google.add_user({"email": f"{name}@hollinspark.sch.uk"},
                                         password=PROVIDER_PASSWORD)
    gmail_account = oidc_google.add_user({"email": f"{name}@gmail.com"},
                                         password=PROVIDER_PASSWORD)

    page.goto("/sign-in/")
    follow(page.get_by_role("link", name="Sign in with Google"))
    sign_in_at_provider(page, gmail_account)
    assert page.get_by_role("heading", level=1).inner_text() == (
        "This account is not from your school")

    page.goto("/sign-in/")
    follow(page.get_by_role("link", name="Sign in with Google"))
    sign_in_at_provider(page, pupil_account)
    page.wait_for_url(lambda url: "/sign-in/" not in url and ":" + str(oidc_google.port) not in url)
    expect(page.get_by_text("Pip Google").first).to_be_visible()


def test_a_dsl_sets_up_two_factor_after_signing_in_with_microsoft(page, school_provider, school,
                                                                  make_person):
    account, name = provider_account(school_provider, "dsl")
    make_person("dsl", username=name, first_name="Dee", last_name="Code")
    actions.sign_in_configure(actor=None, school=school,
                              changes={"two_factor_for_leaders": True})
    page.goto("/incidents/")
    follow(page.get_by_role("link", name="Sign in with Microsoft"))
    sign_in_at_provider(page, account)
    assert page.get_by_role("heading", level=1).inner_text() == "Set up two-factor sign-in"
    secret = page.locator("#totp-secret").inner_text()
    page.get_by_label("Code").fill(format_hotp_value(hotp_value(secret, int(time.time()) // 30)))
    follow(page.get_by_role("button", name="Turn on two-factor sign-in"))
    page.wait_for_url("**/incidents/")
    expect(page.get_by_text("Dee Code").first).to_be_visible()


def test_the_provider_down_gets_a_clear_page_and_the_break_glass_password_works(
        page, live_server, start_oidc_provider, school, make_person):  # noqa: F811
    provider = start_oidc_provider("generic")
    client_id, client_secret = provider.add_client(
        f"{live_server.url}/accounts/oidc/school-{school.slug}/login/callback/")
    actions.sign_in_configure(actor=None, school=school, changes={
        "enabled": True, "kind": "oidc", "issuer_url": provider.issuer, "client_id": client_id,
        "client_secret": client_secret, "match_rule": "username",
        "two_factor_for_leaders": False})
    make_person("it_manager", username="breakglass", first_name="Bree", last_name="Glass")
    provider.stop()
    page.goto("/sign-in/")
    follow(page.get_by_role("link", name="Sign in with your school account"))
    assert "is not answering" in page.get_by_role("heading", level=1).inner_text()
    follow(page.get_by_role("link", name="sign-in page"))
    page.get_by_label("Username").fill("breakglass")
    page.get_by_label("Password").fill(PASSWORD)
    follow(page.get_by_role("button", name="Sign in"))
    expect(page.get_by_text("Bree Glass").first).to_be_visible()

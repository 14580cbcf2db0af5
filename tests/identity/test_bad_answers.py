"""An answer from the provider that cannot be trusted signs nobody in, and says so plainly;
a provider that is down gets a plain page and the local break-glass password still works."""

import pytest
from django.contrib.auth import SESSION_KEY

from esafety.identity.models import ExternalIdentity
from tests.conftest import PASSWORD
from tests.identity.fakeidp import configure, sign_in


@pytest.mark.parametrize("misbehave", ["wrong_issuer", "wrong_audience", "wrong_nonce",
                                       "bad_signature", "expired", "hs256"])
def test_a_token_that_cannot_be_trusted_is_refused(client, idp, school, teacher, misbehave):
    configure(school, idp)
    response = sign_in(client, idp, school, {"sub": "t", "preferred_username": "teacher"},
                       misbehave=misbehave)
    assert response.status_code == 400
    assert "could not be trusted" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert ExternalIdentity.objects.count() == 0


def test_the_same_token_well_made_is_accepted(client, idp, school, teacher):
    # The control for the test above: only the one fault makes the difference.
    configure(school, idp)
    sign_in(client, idp, school, {"sub": "t", "preferred_username": "teacher"})
    assert client.session[SESSION_KEY] == str(teacher.pk)


def test_a_provider_naming_another_issuer_in_its_discovery_is_refused(client, idp, school, teacher):
    configure(school, idp)
    real_issuer = idp.issuer
    original = idp.answer

    def lying(method, url, **kwargs):
        response = original(method, url, **kwargs)
        if url.endswith("openid-configuration"):
            body = response.json()
            body["issuer"] = "https://evil.test/"
            response.text = __import__("json").dumps(body)
        return response

    idp.answer = lying
    response = sign_in(client, idp, school, {"sub": "t", "preferred_username": "teacher"})
    assert response.status_code == 400
    assert SESSION_KEY not in client.session
    assert idp.issuer == real_issuer


def test_a_callback_with_a_made_up_state_is_refused(client, idp, school, teacher):
    configure(school, idp)
    response = client.get(f"/accounts/oidc/school-{school.slug}/login/callback/",
                          {"code": "x", "state": "made-up"})
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_a_provider_that_is_down_gets_a_clear_page_and_break_glass_still_works(
        client, idp, school, make_person):
    configure(school, idp)
    operator = make_person("it_manager", username="breakglass")
    idp.down = True
    response = client.get(f"/sign-in/school/{school.slug}/", follow=True)
    assert response.status_code == 503
    assert "sign-in is not answering" in response.content.decode()
    response = client.post("/sign-in/", {"username": operator.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session[SESSION_KEY] == str(operator.pk)


def test_the_provider_going_down_during_the_code_exchange_gets_the_same_page(
        client, idp, school, teacher):
    configure(school, idp)
    response = client.get(f"/sign-in/school/{school.slug}/")
    response = client.get(response["Location"])
    from urllib.parse import parse_qs, urlparse
    state = parse_qs(urlparse(response["Location"]).query)["state"][0]
    idp.down = True
    response = client.get(f"/accounts/oidc/school-{school.slug}/login/callback/",
                          {"code": "c", "state": state})
    assert response.status_code == 503
    assert SESSION_KEY not in client.session


def test_a_school_without_a_provider_offers_none(client, school):
    assert client.get(f"/sign-in/school/{school.slug}/").status_code == 404
    assert client.get("/accounts/oidc/school-hollins-park/login/").status_code == 404
    assert "Sign in with" not in client.get("/sign-in/").content.decode()

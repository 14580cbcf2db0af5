"""The "sign in to the internet" page, this computer's sign-in, and the AUP for the network."""

import datetime
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import reverse

from esafety.audit.models import AuditEvent
from esafety.directory import actions as directory
from esafety.directory import roles
from esafety.network.middleware import REPLACED_MESSAGE
from esafety.network.models import ClientBinding, NetworkSettings
from esafety.policies import actions as policies
from esafety.policies.models import PolicyDocument
from tests.conftest import PASSWORD

SIGN_IN = "/internet/sign-in/"
NEXT = "http://www.example.org/homework?page=2"


def portal(school="hollins-park", next_url=NEXT):
    return f"{SIGN_IN}?school={school}&next={quote(next_url, safe='')}"


def sign_in_through_portal(client, person, how="local", **extra):
    """Choose a sign-in on the portal, then sign in with a password, as a browser would."""
    chosen = client.post(SIGN_IN, {"school": "hollins-park", "next": NEXT, "how": how}, **extra)
    assert chosen.status_code == 302
    login = chosen["Location"]
    assert login.startswith(reverse("login") + "?next=")
    done = client.post(login, {"username": person.username, "password": PASSWORD}, **extra)
    return done


def test_the_portal_page_speaks_plainly_and_offers_a_sign_in(school):
    page = Client(REMOTE_ADDR="10.0.0.5").get(portal())
    assert page.status_code == 200
    text = page.content.decode()
    assert "Sign in to the internet" in text
    assert "www.example.org" in text
    assert "Sign in with a username and password" in text
    assert "provider-sign-in" not in text  # no provider switched on for this school


def test_an_unknown_school_gets_a_clear_page_not_an_error(school):
    for address in (portal(school="nowhere"), SIGN_IN, f"{SIGN_IN}?school=%00",
                    f"{SIGN_IN}?school={'x' * 300}"):
        page = Client().get(address)
        assert page.status_code == 404
        assert "We do not know this school" in page.content.decode()


def test_signing_in_through_the_portal_binds_this_computer(school, pupil):
    client = Client(REMOTE_ADDR="10.0.0.5")
    done = sign_in_through_portal(client, pupil)
    assert done.status_code == 302
    assert done["Location"].startswith("/internet/?school=hollins-park&next=")
    binding = ClientBinding.objects.get()
    assert (binding.address, binding.person) == ("10.0.0.5", pupil)
    page = client.get(done["Location"])
    text = page.content.decode()
    assert "You are signed in to the internet as Pip Pupil on this computer" in text
    assert f'href="{NEXT}"'.replace("&", "&amp;") in text
    assert "Sign out of the internet on this computer" in text


def test_a_sign_in_without_the_portal_binds_nothing(school, pupil):
    client = Client(REMOTE_ADDR="10.0.0.5")
    client.post(reverse("login"), {"username": pupil.username, "password": PASSWORD})
    assert not ClientBinding.objects.exists()


def test_a_spoofed_forwarded_for_header_is_ignored(school, pupil):
    client = Client(REMOTE_ADDR="10.0.0.5")
    sign_in_through_portal(client, pupil, HTTP_X_FORWARDED_FOR="10.0.0.99")
    assert ClientBinding.objects.get().address == "10.0.0.5"


def test_the_forwarded_for_header_of_a_trusted_proxy_names_the_computer(school, pupil,
                                                                        settings):
    settings.TRUSTED_PROXIES = ["10.0.0.1"]
    client = Client(REMOTE_ADDR="10.0.0.1")
    sign_in_through_portal(client, pupil, HTTP_X_FORWARDED_FOR="10.9.9.9, 10.0.0.42")
    assert ClientBinding.objects.get().address == "10.0.0.42"


def test_someone_signed_in_to_esafety_uses_the_internet_in_one_step(school, teacher,
                                                                     client_for):
    client = client_for(teacher)
    page = client.get(portal(), REMOTE_ADDR="10.0.0.5")
    assert "Use the internet as Tom Teach" in page.content.decode()
    done = client.post(SIGN_IN, {"school": "hollins-park", "next": NEXT, "how": "me"},
                       REMOTE_ADDR="10.0.0.5")
    assert done.status_code == 302
    assert ClientBinding.objects.get().person == teacher


def test_someone_else_at_a_signed_in_browser_signs_in_as_themselves(school, teacher, pupil,
                                                                   client_for):
    client = client_for(teacher)
    done = sign_in_through_portal(client, pupil, REMOTE_ADDR="10.0.0.5")
    assert done.status_code == 302
    assert ClientBinding.objects.get().person == pupil


def test_the_later_sign_in_wins_and_the_earlier_is_told_on_their_next_page(school, teacher,
                                                                          pupil, client_for):
    earlier = client_for(teacher)
    earlier.post(SIGN_IN, {"school": "hollins-park", "how": "me"}, REMOTE_ADDR="10.0.0.5")
    later = Client(REMOTE_ADDR="10.0.0.5")
    sign_in_through_portal(later, pupil)
    assert ClientBinding.objects.open().get().person == pupil
    told = earlier.get(reverse("home"))
    assert REPLACED_MESSAGE in [str(m) for m in told.context["messages"]]
    assert REPLACED_MESSAGE.startswith("Someone else signed in to the internet on this computer")
    # Told once.
    again = earlier.get(reverse("home"))
    assert REPLACED_MESSAGE not in [str(m) for m in again.context["messages"]]
    # The later one is not told anything.
    page = later.get(reverse("home"))
    assert REPLACED_MESSAGE not in [str(m) for m in page.context["messages"]]


def test_a_leaver_cannot_sign_in_and_is_never_bound(school, pupil, headteacher):
    directory.person_leave(actor=headteacher, person=pupil)
    client = Client(REMOTE_ADDR="10.0.0.5")
    done = sign_in_through_portal(client, pupil)
    assert done.status_code != 302 or "/internet/" not in done.get("Location", "")
    assert not ClientBinding.objects.exists()


def test_someone_from_another_school_is_told_plainly_and_not_bound(school, outsider,
                                                                  client_for):
    client = client_for(outsider)
    client.post(SIGN_IN, {"school": "hollins-park", "how": "me"}, REMOTE_ADDR="10.0.0.5")
    assert not ClientBinding.objects.exists()
    page = client.get("/internet/?school=hollins-park", REMOTE_ADDR="10.0.0.5")
    assert "We could not sign you in to the internet: you are not in this school" in \
        page.content.decode()


def test_signing_out_of_the_internet_on_this_computer(school, pupil):
    client = Client(REMOTE_ADDR="10.0.0.5")
    sign_in_through_portal(client, pupil)
    out = client.post("/internet/sign-out/", {"school": "hollins-park"})
    assert out.status_code == 302
    assert ClientBinding.objects.get().ended_reason == ClientBinding.SIGNED_OUT
    page = client.get(out["Location"])
    assert "This computer is signed out of the internet." in page.content.decode()


def test_another_computer_cannot_sign_this_one_out(school, pupil):
    sign_in_through_portal(Client(REMOTE_ADDR="10.0.0.5"), pupil)
    Client(REMOTE_ADDR="10.0.0.6").post("/internet/sign-out/", {"school": "hollins-park"})
    assert ClientBinding.objects.open().count() == 1


def test_the_next_address_is_only_an_ordinary_web_address(school, pupil):
    client = Client(REMOTE_ADDR="10.0.0.5")
    client.post(SIGN_IN, {"school": "hollins-park", "next": "javascript:alert(1)",
                          "how": "local"})
    done = client.post(reverse("login") + "?next=/internet/%3Fschool%3Dhollins-park",
                       {"username": pupil.username, "password": PASSWORD})
    page = client.get(done["Location"])
    assert "javascript:" not in page.content.decode()
    assert "Carry on" not in page.content.decode()


@pytest.mark.parametrize("data", [
    {}, {"school": "hollins-park"}, {"school": "hollins-park", "how": "nonsense"},
    {"school": "nowhere", "how": "local"}, {"school": "x" * 500, "how": "local"},
    {"school": "hollins-park", "how": "local", "next": "x" * 5000},
    {"school": "hollins-park\x00", "how": "me"}, {"school": ["a", "b"], "how": "local"},
])
def test_the_portal_forms_never_fail(school, data):
    client = Client(REMOTE_ADDR="10.0.0.5")
    for url in (SIGN_IN, "/internet/sign-out/"):
        response = client.post(url, data)
        assert response.status_code < 500, (url, data)


def test_a_provider_switched_on_is_offered_first(school):
    from esafety.identity.models import SchoolSignIn

    SchoolSignIn.objects.update_or_create(school=school, defaults=dict(
        kind="google", hosted_domain="hollinspark.sch.uk", client_id="abc", client_secret="s",
        enabled=True))
    client = Client(REMOTE_ADDR="10.0.0.5")
    assert "Sign in with Google" in client.get(portal()).content.decode()
    chosen = client.post(SIGN_IN, {"school": "hollins-park", "next": NEXT, "how": "provider"})
    assert chosen["Location"].startswith(reverse("identity:start",
                                                 kwargs={"slug": "hollins-park"}) + "?next=")
    marker = client.session["network_signin"]
    assert (marker["school"], marker["next"]) == ("hollins-park", NEXT)


# -- the AUP for the network -----------------------------------------------------------------
@pytest.fixture
def pupils_aup(school, headteacher):
    document = PolicyDocument.objects.create(school=school, title="KS3 AUP",
                                             audience=roles.AUDIENCE_KS3)
    return policies.policy_publish(actor=headteacher, document=document, number="1",
                                   text="Be kind online.", approved_by="Governors",
                                   approved_on=datetime.date(2026, 1, 1),
                                   review_due=datetime.date(2027, 1, 1))


def aup_page(next_url=NEXT):
    return f"/internet/aup/?school=hollins-park&next={quote(next_url, safe='')}"


def test_the_aup_page_asks_a_stranger_to_sign_in_first(school):
    response = Client().get(aup_page())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert quote("/internet/aup/", safe="") in response["Location"]


def test_a_pupil_who_has_not_accepted_is_sent_to_the_aup_and_back(school, pupil, pupils_aup,
                                                                  client_for, publishing,
                                                                  published):
    client = client_for(pupil)
    response = client.get(aup_page())
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("policies:my_aup") + "?next=")
    with publishing():
        accepted = client.post(response["Location"], {"decision": "accepted",
                                                      "version": pupils_aup.pk})
    assert accepted.status_code == 302
    assert accepted["Location"] == aup_page()
    page = client.get(accepted["Location"])
    assert page.status_code == 200
    assert "You can use the internet now" in page.content.decode()
    assert "Carry on to www.example.org" in page.content.decode()
    assert published("policy.json")["aup_pending"] == []


def test_someone_from_another_school_gets_a_plain_page_on_the_aup(school, outsider,
                                                                  client_for):
    response = client_for(outsider).get(aup_page())
    assert response.status_code == 403
    assert "another school" in response.content.decode()


# -- GET never writes --------------------------------------------------------------------------
def _state(data_dir):
    files = sorted(str(p) for p in data_dir.rglob("*")) if data_dir.exists() else []
    return (ClientBinding.objects.count(), AuditEvent.objects.count(),
            NetworkSettings.objects.count(), files,
            list(ClientBinding.objects.values_list("last_seen", "ends", "ended_at")))


def test_reading_the_network_pages_writes_nothing(school, pupil, it_manager, client_for,
                                                  data_dir, pupils_aup):
    sign_in_through_portal(Client(REMOTE_ADDR="10.0.0.5"), pupil)
    before = _state(data_dir)
    for client, url in [
            (Client(REMOTE_ADDR="10.0.0.5"), portal()),
            (Client(REMOTE_ADDR="10.0.0.5"), "/internet/?school=hollins-park"),
            (client_for(pupil), "/internet/?school=hollins-park"),
            (client_for(pupil), aup_page()),
            (Client(), aup_page()),
            (client_for(it_manager), "/internet/status/")]:
        assert client.get(url, REMOTE_ADDR="10.0.0.5").status_code in (200, 302, 404), url
    assert _state(data_dir) == before


def test_a_leader_who_owes_a_code_is_bound_only_after_giving_it(school, headteacher):
    from esafety.identity.middleware import DONE, SESSION_KEY
    from esafety.identity.models import SchoolSignIn

    SchoolSignIn.objects.update_or_create(school=school, defaults=dict(
        kind="google", client_id="abc", client_secret="s", enabled=True,
        two_factor_for_leaders=True))
    client = Client(REMOTE_ADDR="10.0.0.5")
    done = sign_in_through_portal(client, headteacher)
    assert done.status_code == 302
    assert not ClientBinding.objects.exists()  # a password alone is not enough
    session = client.session
    session[SESSION_KEY] = {"person": headteacher.pk, "state": DONE}  # the code was given
    session.save()
    page = client.get("/internet/?school=hollins-park")
    assert "Use the internet as Helen Head" in page.content.decode()
    client.post(SIGN_IN, {"school": "hollins-park", "how": "me"})
    assert ClientBinding.objects.get().person == headteacher


def test_a_portal_choice_abandoned_long_ago_binds_nothing(school, pupil):
    client = Client(REMOTE_ADDR="10.0.0.5")
    client.post(SIGN_IN, {"school": "hollins-park", "next": NEXT, "how": "local"})
    session = client.session
    session["network_signin"] = {**session["network_signin"], "at": 0}  # long ago
    session.save()
    client.post(reverse("login"), {"username": pupil.username, "password": PASSWORD})
    assert not ClientBinding.objects.exists()

"""The IT manager's page: the school's provider, the first-sign-in rule and two-factor."""

from allauth.socialaccount.models import SocialApp

from esafety.audit.models import AuditEvent
from esafety.identity.models import SchoolSignIn

FORM = {"enabled": "on", "kind": "entra", "tenant_id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
        "hosted_domain": "", "issuer_url": "", "client_id": "app-1", "client_secret": "top-secret",
        "match_rule": "username", "match_claim": "", "two_factor_for_leaders": "on",
        "two_factor_note": ""}


def test_the_it_manager_configures_entra_and_the_sign_in_page_offers_it(client, client_for,
                                                                       school, it_manager):
    manager = client_for(it_manager)
    page = manager.get("/sign-in/settings/").content.decode()
    assert "/accounts/oidc/school-hollins-park/login/callback/" in page
    response = manager.post("/sign-in/settings/", FORM)
    assert response.status_code == 302
    app = SocialApp.objects.get(provider_id="school-hollins-park")
    assert app.settings["expected_issuer"] == (
        "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0")
    assert (app.client_id, app.secret) == ("app-1", "top-secret")
    assert "Sign in with Microsoft" in client.get("/sign-in/").content.decode()
    event = AuditEvent.objects.get(event_type="sign_in_configured")
    assert "top-secret" not in str(event.after) and event.after["client_secret"] == "changed"


def test_saving_again_without_the_secret_keeps_it(client_for, school, it_manager):
    manager = client_for(it_manager)
    manager.post("/sign-in/settings/", FORM)
    manager.post("/sign-in/settings/", {**FORM, "client_secret": "", "client_id": "app-2"})
    app = SocialApp.objects.get()
    assert (app.client_id, app.secret) == ("app-2", "top-secret")


def test_an_incomplete_provider_is_not_switched_on_and_the_page_says_why(client_for, school,
                                                                        it_manager):
    response = client_for(it_manager).post("/sign-in/settings/", {**FORM, "tenant_id": "",
                                                                  "kind": "entra"})
    assert response.status_code == 200
    assert "tenant id" in response.content.decode()
    assert SocialApp.objects.count() == 0
    assert not SchoolSignIn.objects.filter(enabled=True).exists()


def test_switching_the_provider_off_removes_it_from_the_sign_in_page(client, client_for, school,
                                                                    it_manager):
    manager = client_for(it_manager)
    manager.post("/sign-in/settings/", FORM)
    manager.post("/sign-in/settings/", {k: v for k, v in FORM.items() if k != "enabled"})
    assert SocialApp.objects.count() == 0
    assert "Sign in with" not in client.get("/sign-in/").content.decode()


def test_two_factor_off_shows_a_note_on_the_page(client_for, school, it_manager):
    manager = client_for(it_manager)
    manager.post("/sign-in/settings/", {**FORM, "two_factor_for_leaders": "",
                                        "two_factor_note": "Trying it out"})
    page = manager.get("/sign-in/settings/").content.decode()
    assert "Two-factor sign-in is off" in page and "Trying it out" in page


def test_garbage_never_breaks_the_page(client_for, school, it_manager):
    response = client_for(it_manager).post("/sign-in/settings/", {
        "kind": "nonsense", "issuer_url": "not a url", "tenant_id": "<script>",
        "match_rule": "\x00", "client_id": "x" * 5000})
    assert response.status_code == 200


def test_the_page_is_not_for_teachers_or_the_dsl(client_for, school, teacher, dsl):
    assert client_for(teacher).get("/sign-in/settings/").status_code == 404
    assert client_for(dsl).post("/sign-in/settings/", FORM).status_code == 404
    assert SocialApp.objects.count() == 0


def test_a_visitor_resets_a_forgotten_password_by_email(client, school, make_person, mailoutbox):
    visitor = make_person("visitor", username="visitor1", email="v@example.org")
    response = client.post("/sign-in/forgotten/", {"email": "v@example.org"})
    assert response["Location"] == "/sign-in/forgotten/sent/"
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["v@example.org"]
    link = [w for w in mailoutbox[0].body.split() if "/sign-in/forgotten/" in w][0]
    path = link.split("testserver", 1)[1]
    response = client.get(path, follow=True)
    response = client.post(response.redirect_chain[-1][0], {
        "new_password1": "a-new-long-password-9", "new_password2": "a-new-long-password-9"})
    assert response["Location"] == "/sign-in/forgotten/done/"
    visitor.refresh_from_db()
    assert visitor.check_password("a-new-long-password-9")


def test_the_it_manager_checks_the_provider_answers(client_for, school, it_manager, idp):
    from tests.identity.fakeidp import configure

    configure(school, idp)
    manager = client_for(it_manager)
    page = manager.post("/sign-in/settings/check/", follow=True).content.decode()
    assert "The provider answers as https://idp.test/tenant-a/v2.0" in page
    idp.down = True
    page = manager.post("/sign-in/settings/check/", follow=True).content.decode()
    assert "did not answer properly" in page
    assert client_for(it_manager).get("/sign-in/settings/check/").status_code == 405


def test_a_provider_answering_as_another_issuer_is_reported(client_for, school, it_manager, idp):
    import json

    from tests.identity.fakeidp import configure

    configure(school, idp)
    original = idp.answer

    def lying(method, url, **kwargs):
        response = original(method, url, **kwargs)
        if url.endswith("openid-configuration"):
            response.text = json.dumps({**response.json(), "issuer": "https://idp.test/other"})
        return response

    idp.answer = lying
    page = client_for(it_manager).post("/sign-in/settings/check/", follow=True).content.decode()
    assert "check the tenant id or issuer URL" in page

"""Entra ID accounts are the tenant id and object id; Google accounts must be of the
school's Workspace domain."""

from django.contrib.auth import SESSION_KEY

from esafety.identity.models import ExternalIdentity, SchoolSignIn
from tests.identity.fakeidp import configure, sign_in

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"


def test_entra_issuer_is_the_tenants_unless_overridden():
    row = SchoolSignIn(kind="entra", tenant_id=TENANT)
    assert row.expected_issuer == f"https://login.microsoftonline.com/{TENANT}/v2.0"
    assert SchoolSignIn(kind="google").expected_issuer == "https://accounts.google.com"
    row.issuer_url = "http://127.0.0.1:9000/x/v2.0/"
    assert row.expected_issuer == "http://127.0.0.1:9000/x/v2.0"


def test_entra_account_is_keyed_on_tenant_and_object_id_not_sub(client, idp, school, teacher):
    configure(school, idp, kind="entra", tenant_id=TENANT)
    claims = {"sub": "pairwise-1", "tid": TENANT, "oid": "OBJ-1", "preferred_username":
              "teacher@hollinspark.sch.uk"}
    sign_in(client, idp, school, claims)
    assert client.session[SESSION_KEY] == str(teacher.pk)
    assert ExternalIdentity.objects.get().subject == f"{TENANT}:obj-1"
    client.logout()
    # Another app registration gives another sub: the same person all the same.
    sign_in(client, idp, school, {**claims, "sub": "pairwise-2", "preferred_username": "x"})
    assert client.session[SESSION_KEY] == str(teacher.pk)


def test_entra_account_of_another_tenant_is_refused(client, idp, school, teacher):
    configure(school, idp, kind="entra", tenant_id=TENANT)
    response = sign_in(client, idp, school, {"sub": "s", "tid": "other-tenant", "oid": "o",
                                             "preferred_username": "teacher"})
    assert "not from your school" in response.content.decode()
    assert SESSION_KEY not in client.session


def test_entra_token_without_object_id_is_refused(client, idp, school, teacher):
    configure(school, idp, kind="entra", tenant_id=TENANT)
    response = sign_in(client, idp, school, {"sub": "s", "tid": TENANT,
                                             "preferred_username": "teacher"})
    assert response.status_code == 400
    assert SESSION_KEY not in client.session


def test_google_account_of_the_schools_domain_signs_in_by_its_address(client, idp, school, teacher):
    configure(school, idp, kind="google", hosted_domain="hollinspark.sch.uk")
    sign_in(client, idp, school, {"sub": "g-1", "hd": "hollinspark.sch.uk",
                                  "email": "teacher@hollinspark.sch.uk", "email_verified": True})
    assert client.session[SESSION_KEY] == str(teacher.pk)


def test_google_account_of_another_domain_is_refused(client, idp, school, teacher):
    configure(school, idp, kind="google", hosted_domain="hollinspark.sch.uk")
    response = sign_in(client, idp, school, {"sub": "g-1", "email": "teacher@gmail.com"})
    assert "not from your school" in response.content.decode()
    assert SESSION_KEY not in client.session
    assert ExternalIdentity.objects.count() == 0


def test_google_sign_in_asks_the_provider_for_the_domain(client, idp, school):
    configure(school, idp, kind="google", hosted_domain="hollinspark.sch.uk")
    response = client.get(client.get(f"/sign-in/school/{school.slug}/")["Location"])
    assert "hd=hollinspark.sch.uk" in response["Location"]
    assert "nonce=" in response["Location"] and "code_challenge=" in response["Location"]

"""The demo's provider: the demo school's people as Entra-style accounts, the fixed client."""

from __future__ import annotations

import io
import json
from urllib.parse import parse_qs, urlencode, urlparse

import requests
from jwcrypto import jwk, jwt

from devidp import demo
from esafety.directory import roles
from tests.oidc_fixture import DevIdp


def test_demo_accounts_are_the_schools_staff_and_pupils_and_one_stranger(make_person, school):
    teacher = make_person(roles.TEACHER, username="t.teach", external_id="S042")
    pupil = make_person(roles.PUPIL, username="p.pupil")
    leaver = make_person(roles.TEACHER, username="gone", is_active=False)
    make_person(roles.PARENT, username="a.parent")
    make_person(roles.VISITOR, username="a.visitor")
    accounts = {a["claims"]["preferred_username"]: a for a in demo.demo_accounts(school.slug)}
    assert set(accounts) == {f"{p.username}@hollinspark.sch.uk" for p in (teacher, pupil, leaver)
                             } | {demo.UNMATCHED["preferred_username"]}
    claims = accounts["t.teach@hollinspark.sch.uk"]["claims"]
    assert claims["employeeId"] == "S042"
    assert claims["email"] == teacher.email
    assert {a["password"] for a in accounts.values()} == {"esafety-demo"}


def test_demo_provider_signs_in_a_demo_account_for_the_demo_client(tmp_path):
    out = io.StringIO()
    accounts = [{"password": "esafety-demo",
                 "claims": {"preferred_username": "teacher@hollinspark.sch.uk",
                            "employeeId": "S001"}}]
    process = demo.start(data_dir=tmp_path / "idp", esafety_port=8123, stdout=out,
                         accounts=accounts, port=0)
    assert process is not None, out.getvalue()
    try:
        info = json.loads((tmp_path / "idp" / "ready.json").read_text())
        assert info["tenant"] == demo.DEMO_TENANT
        assert info["issuer"] in out.getvalue()
        provider = DevIdp(process, tmp_path / "idp", "", info["issuer"], "entra",
                          info["tenant"], info["port"], tmp_path / "idp" / "devidp.log")
        redirect = demo.callback_urls(8123)[0]
        document = provider.discovery()
        back = provider.sign_in(document["authorization_endpoint"] + "?" + urlencode({
            "response_type": "code", "client_id": demo.DEMO_CLIENT_ID, "redirect_uri": redirect,
            "scope": "openid profile email", "state": "s", "nonce": "n"}),
            "teacher@hollinspark.sch.uk", "esafety-demo")
        tokens = requests.post(document["token_endpoint"], timeout=10, data={
            "grant_type": "authorization_code", "redirect_uri": redirect,
            "code": parse_qs(urlparse(back).query)["code"][0]},
            auth=(demo.DEMO_CLIENT_ID, demo.DEMO_CLIENT_SECRET)).json()
        keys = jwk.JWKSet.from_json(json.dumps(provider.jwks()))
        claims = json.loads(jwt.JWT(jwt=tokens["id_token"], key=keys, check_claims={
            "iss": info["issuer"], "aud": demo.DEMO_CLIENT_ID, "nonce": "n"}).claims)
        assert claims["tid"] == demo.DEMO_TENANT
        assert claims["employeeId"] == "S001"
    finally:
        demo.stop(process)
    assert process.poll() is not None

"""The test identity provider (devidp/) behaves like a real OpenID Connect provider, and each
misbehaviour mode gets exactly the one thing wrong that it promises."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import signal
import subprocess
import sys
import time
from typing import Any
from urllib.parse import parse_qs, urlencode, urlparse

import pytest
import requests
from jwcrypto import jwk, jws, jwt

from tests.oidc_fixture import REPO, DevIdp, IdpUser, start_devidp

REDIRECT = "http://127.0.0.1:9/callback"


def _authorize_url(provider: DevIdp, client_id: str, **params: str) -> str:
    query = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
             "scope": "openid profile email", "state": "state-1", **params}
    return provider.discovery()["authorization_endpoint"] + "?" + urlencode(query)


def _code_flow(provider: DevIdp, user: IdpUser, client: tuple[str, str] | None = None,
               nonce: str = "nonce-1", pkce: bool = False,
               verifier_sent: str | None = None) -> requests.Response:
    client_id, client_secret = client or provider.add_client(REDIRECT)
    params = {"nonce": nonce}
    verifier = secrets.token_urlsafe(48)
    if pkce:
        challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
        params.update(code_challenge=challenge.decode().rstrip("="),
                      code_challenge_method="S256")
    back = provider.sign_in(_authorize_url(provider, client_id, **params), user.username,
                            user.password)
    assert back.startswith(REDIRECT + "?")
    query = parse_qs(urlparse(back).query)
    assert query["state"] == ["state-1"]
    form = {"grant_type": "authorization_code", "code": query["code"][0],
            "redirect_uri": REDIRECT}
    if pkce:
        form["code_verifier"] = verifier_sent or verifier
    return requests.post(provider.discovery()["token_endpoint"], data=form,
                         auth=(client_id, client_secret), timeout=10)


def _tokens(provider: DevIdp, user: IdpUser, **kwargs: Any) -> dict[str, Any]:
    response = _code_flow(provider, user, **kwargs)
    assert response.status_code == 200, response.text
    return response.json()


def _verify(provider: DevIdp, id_token: str, client_id: str, nonce: str) -> dict[str, Any]:
    """What a careful relying party does: signature against the published JWKS, then iss,
    aud, exp and nonce."""
    keys = jwk.JWKSet.from_json(json.dumps(provider.jwks()))
    token = jwt.JWT(jwt=id_token, key=keys,
                    check_claims={"iss": provider.issuer, "aud": client_id, "exp": None,
                                  "nonce": nonce})
    return json.loads(token.claims)


def _unverified(id_token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    token = jws.JWS()
    token.deserialize(id_token)
    return token.jose_header, json.loads(token.objects["payload"])


# ---- discovery ---------------------------------------------------------------------------

@pytest.mark.parametrize("style", ["entra", "google", "generic"])
def test_discovery_names_the_issuer_and_its_endpoints(request, style):
    provider: DevIdp = request.getfixturevalue(f"oidc_{style}")
    document = provider.discovery()
    assert document["issuer"] == provider.issuer
    for key in ("authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri"):
        assert document[key].startswith(provider.issuer + "/")
    assert "RS256" in document["id_token_signing_alg_values_supported"]
    assert "code" in document["response_types_supported"]
    assert provider.issuer.startswith("http://127.0.0.1:")
    keys = provider.jwks()["keys"]
    assert [key["kty"] for key in keys] == ["RSA"]
    assert "d" not in keys[0]  # the public half only


def test_entra_issuer_has_the_tenant_and_v2(oidc_entra):
    assert oidc_entra.issuer == f"{oidc_entra.origin}/{oidc_entra.tenant}/v2.0"
    assert {"tid", "oid", "preferred_username"} <= set(oidc_entra.discovery()["claims_supported"])


def test_google_issuer_is_the_bare_origin(oidc_google):
    assert oidc_google.issuer == oidc_google.origin
    assert "hd" in oidc_google.discovery()["claims_supported"]


# ---- the code flow -----------------------------------------------------------------------

def test_entra_code_flow_gives_a_verifiable_id_token_with_entra_claims(oidc_entra):
    user = oidc_entra.add_user({"preferred_username": "t.teach@hollinspark.sch.uk",
                                "given_name": "Tom", "family_name": "Teach",
                                "employeeId": "T0042"}, password="pw-1")
    assert user.username == "t.teach@hollinspark.sch.uk"
    client = oidc_entra.add_client(REDIRECT)
    tokens = _tokens(oidc_entra, user, client=client, nonce="n-entra")
    claims = _verify(oidc_entra, tokens["id_token"], client[0], "n-entra")
    assert claims["tid"] == oidc_entra.tenant
    assert claims["oid"] == user.claims["oid"]
    assert claims["preferred_username"] == claims["email"] == "t.teach@hollinspark.sch.uk"
    assert claims["name"] == "Tom Teach"
    assert claims["employeeId"] == "T0042"
    assert claims["ver"] == "2.0"
    header, _ = _unverified(tokens["id_token"])
    assert header["alg"] == "RS256"
    assert header["kid"] == oidc_entra.jwks()["keys"][0]["kid"]

    userinfo = requests.get(oidc_entra.discovery()["userinfo_endpoint"], timeout=10,
                            headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo["oid"] == claims["oid"]
    assert userinfo["email"] == claims["email"]


def test_entra_sub_is_pairwise_oid_is_not(oidc_entra):
    user = oidc_entra.add_user({"preferred_username": "pairwise@hollinspark.sch.uk"})
    one = _verify(oidc_entra, _tokens(oidc_entra, user, client=(c1 := oidc_entra.add_client(
        REDIRECT)))["id_token"], c1[0], "nonce-1")
    two = _verify(oidc_entra, _tokens(oidc_entra, user, client=(c2 := oidc_entra.add_client(
        REDIRECT)))["id_token"], c2[0], "nonce-1")
    assert one["oid"] == two["oid"]
    assert one["sub"] != two["sub"]
    assert len(one["sub"]) == 43


def test_google_code_flow_gives_google_claims(oidc_google):
    user = oidc_google.add_user({"email": "p.pupil@hollinspark.sch.uk", "given_name": "Pip",
                                 "family_name": "Pupil"}, password="pw-2")
    client = oidc_google.add_client(REDIRECT)
    claims = _verify(oidc_google, _tokens(oidc_google, user, client=client)["id_token"],
                     client[0], "nonce-1")
    assert claims["iss"] == oidc_google.origin
    assert claims["sub"].isdigit() and len(claims["sub"]) == 21
    assert claims["email"] == "p.pupil@hollinspark.sch.uk"
    assert claims["email_verified"] is True
    assert claims["hd"] == "hollinspark.sch.uk"
    assert claims["name"] == "Pip Pupil"


def test_google_consumer_account_has_no_hosted_domain(oidc_google):
    user = oidc_google.add_user({"email": "someone@gmail.com"})
    client = oidc_google.add_client(REDIRECT)
    claims = _verify(oidc_google, _tokens(oidc_google, user, client=client)["id_token"],
                     client[0], "nonce-1")
    assert "hd" not in claims


def test_generic_code_flow(oidc_generic):
    user = oidc_generic.add_user({"preferred_username": "visitor1", "email": "v@example.org",
                                  "sub": "fixed-subject-1"})
    client = oidc_generic.add_client(REDIRECT)
    claims = _verify(oidc_generic, _tokens(oidc_generic, user, client=client)["id_token"],
                     client[0], "nonce-1")
    assert (claims["sub"], claims["preferred_username"], claims["email"]) == (
        "fixed-subject-1", "visitor1", "v@example.org")


def test_a_claim_set_to_none_is_left_out(oidc_entra):
    user = oidc_entra.add_user({"preferred_username": "no-mail@hollinspark.sch.uk",
                                "email": None})
    client = oidc_entra.add_client(REDIRECT)
    claims = _verify(oidc_entra, _tokens(oidc_entra, user, client=client)["id_token"],
                     client[0], "nonce-1")
    assert "email" not in claims


def test_adding_a_user_again_updates_claims_and_keeps_ids(oidc_entra):
    first = oidc_entra.add_user({"preferred_username": "mover@hollinspark.sch.uk",
                                 "employeeId": "A1"})
    again = oidc_entra.add_user({"preferred_username": "mover@hollinspark.sch.uk",
                                 "employeeId": "B2"}, password="new-pw")
    assert again.claims["oid"] == first.claims["oid"]
    assert again.claims["employeeId"] == "B2"
    client = oidc_entra.add_client(REDIRECT)
    claims = _verify(oidc_entra, _tokens(oidc_entra, again, client=client)["id_token"],
                     client[0], "nonce-1")
    assert claims["employeeId"] == "B2"


def test_pkce_works_and_a_wrong_verifier_is_refused(oidc_entra):
    user = oidc_entra.add_user({"preferred_username": "pkce@hollinspark.sch.uk"})
    assert _code_flow(oidc_entra, user, pkce=True).status_code == 200
    refused = _code_flow(oidc_entra, user, pkce=True, verifier_sent="x" * 50)
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_grant"


def test_a_code_is_good_once_and_only_with_the_client_secret(oidc_entra):
    user = oidc_entra.add_user({"preferred_username": "once@hollinspark.sch.uk"})
    client_id, client_secret = oidc_entra.add_client(REDIRECT)
    back = oidc_entra.sign_in(_authorize_url(oidc_entra, client_id), user.username,
                              user.password)
    form = {"grant_type": "authorization_code", "redirect_uri": REDIRECT,
            "code": parse_qs(urlparse(back).query)["code"][0]}
    token_url = oidc_entra.discovery()["token_endpoint"]
    wrong = requests.post(token_url, data=form, auth=(client_id, "wrong"), timeout=10)
    assert wrong.status_code == 401
    assert requests.post(token_url, data=form, auth=(client_id, client_secret),
                         timeout=10).status_code == 200
    again = requests.post(token_url, data=form, auth=(client_id, client_secret), timeout=10)
    assert again.status_code == 400


def _who(provider: DevIdp, client: tuple[str, str], back: str) -> str:
    form = {"grant_type": "authorization_code", "redirect_uri": REDIRECT,
            "code": parse_qs(urlparse(back).query)["code"][0]}
    tokens = requests.post(provider.discovery()["token_endpoint"], data=form, auth=client,
                           timeout=10).json()
    return _verify(provider, tokens["id_token"], client[0], "nonce-1")["preferred_username"]


def test_select_account_asks_again_in_the_same_browser(oidc_entra):
    first = oidc_entra.add_user({"preferred_username": "first@hollinspark.sch.uk"})
    second = oidc_entra.add_user({"preferred_username": "second@hollinspark.sch.uk"})
    client = oidc_entra.add_client(REDIRECT)
    browser = requests.Session()
    back = oidc_entra.sign_in(_authorize_url(oidc_entra, client[0], nonce="nonce-1"),
                              first.username, first.password, session=browser)
    assert _who(oidc_entra, client, back) == first.username
    # Without a prompt the provider signs the same person in again without asking ...
    again = browser.get(_authorize_url(oidc_entra, client[0], nonce="nonce-1"),
                        allow_redirects=False, timeout=10)
    assert again.headers["Location"].startswith(REDIRECT)
    assert _who(oidc_entra, client, again.headers["Location"]) == first.username
    # ... with prompt=select_account (what esafety sends) it shows the sign-in form again.
    asks = browser.get(_authorize_url(oidc_entra, client[0], nonce="nonce-1",
                                      prompt="select_account"), timeout=10)
    assert 'name="password"' in asks.text
    back = oidc_entra.sign_in(_authorize_url(oidc_entra, client[0], nonce="nonce-1",
                                             prompt="select_account"),
                              second.username, second.password, session=browser)
    assert _who(oidc_entra, client, back) == second.username


def test_select_account_asks_once_for_someone_not_signed_in(oidc_entra):
    user = oidc_entra.add_user({"preferred_username": "fresh@hollinspark.sch.uk"})
    client = oidc_entra.add_client(REDIRECT)
    browser = requests.Session()
    url = _authorize_url(oidc_entra, client[0], nonce="nonce-1", prompt="select_account")
    form = browser.get(url, timeout=10)
    assert 'name="password"' in form.text
    csrf = browser.cookies.get("devidp_csrftoken")
    next_url = parse_qs(urlparse(form.url).query)["next"][0]
    posted = browser.post(form.url.split("?")[0], allow_redirects=False, timeout=10, data={
        "username": user.username, "password": user.password, "next": next_url,
        "csrfmiddlewaretoken": csrf})
    back = browser.get(oidc_entra.origin + posted.headers["Location"], allow_redirects=False,
                       timeout=10)
    assert back.headers["Location"].startswith(REDIRECT)  # straight back, no second form
    assert _who(oidc_entra, client, back.headers["Location"]) == user.username


def test_wrong_password_gets_the_form_again_and_no_code(oidc_entra):
    user = oidc_entra.add_user({"preferred_username": "careful@hollinspark.sch.uk"})
    client_id, _ = oidc_entra.add_client(REDIRECT)
    with pytest.raises(RuntimeError, match="refused the sign-in"):
        oidc_entra.sign_in(_authorize_url(oidc_entra, client_id), user.username, "not-it")


def test_unregistered_redirect_uri_is_not_followed(oidc_entra):
    client_id, _ = oidc_entra.add_client(REDIRECT)
    user = oidc_entra.add_user({"preferred_username": "redir@hollinspark.sch.uk"})
    url = _authorize_url(oidc_entra, client_id, redirect_uri="http://127.0.0.1:9/elsewhere")
    with pytest.raises(RuntimeError, match="answered 400"):
        oidc_entra.sign_in(url, user.username, user.password)


# ---- misbehaviour ------------------------------------------------------------------------

def _misbehaving_token(provider: DevIdp, mode: str) -> tuple[str, str, dict[str, Any]]:
    user = provider.add_user({"preferred_username": f"{mode}@hollinspark.sch.uk"})
    client = provider.add_client(REDIRECT)
    with provider.misbehaving(mode):
        assert provider.get_mode() == mode
        id_token = _tokens(provider, user, client=client, nonce="the-nonce")["id_token"]
    assert provider.get_mode() == "ok"
    header, claims = _unverified(id_token)
    return id_token, client[0], claims


def _signature_ok(provider: DevIdp, id_token: str) -> dict[str, Any]:
    keys = jwk.JWKSet.from_json(json.dumps(provider.jwks()))
    return json.loads(jwt.JWT(jwt=id_token, key=keys, check_claims={"exp": None}).claims)


def test_wrong_issuer(oidc_entra):
    id_token, client_id, claims = _misbehaving_token(oidc_entra, "wrong_issuer")
    assert _signature_ok(oidc_entra, id_token)["iss"] != oidc_entra.issuer
    assert (claims["aud"], claims["nonce"]) == (client_id, "the-nonce")
    with pytest.raises(jwt.JWTInvalidClaimValue):
        _verify(oidc_entra, id_token, client_id, "the-nonce")


def test_wrong_audience(oidc_entra):
    id_token, client_id, claims = _misbehaving_token(oidc_entra, "wrong_audience")
    assert _signature_ok(oidc_entra, id_token)["aud"] != client_id
    assert (claims["iss"], claims["nonce"]) == (oidc_entra.issuer, "the-nonce")
    with pytest.raises(jwt.JWTInvalidClaimValue):
        _verify(oidc_entra, id_token, client_id, "the-nonce")


def test_wrong_nonce(oidc_entra):
    id_token, client_id, claims = _misbehaving_token(oidc_entra, "wrong_nonce")
    assert _signature_ok(oidc_entra, id_token)["nonce"] != "the-nonce"
    assert (claims["iss"], claims["aud"]) == (oidc_entra.issuer, client_id)
    with pytest.raises(jwt.JWTInvalidClaimValue):
        _verify(oidc_entra, id_token, client_id, "the-nonce")


def test_expired(oidc_entra):
    id_token, client_id, claims = _misbehaving_token(oidc_entra, "expired")
    assert claims["exp"] < claims["iat"] + 7200 and claims["exp"] <= claims["auth_time"] + 3600
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (
        oidc_entra.issuer, client_id, "the-nonce")
    with pytest.raises(jwt.JWTExpired):
        _verify(oidc_entra, id_token, client_id, "the-nonce")


def test_bad_signature_is_signed_with_an_unpublished_key(oidc_entra):
    id_token, client_id, claims = _misbehaving_token(oidc_entra, "bad_signature")
    header, _ = _unverified(id_token)
    assert header["kid"] == oidc_entra.jwks()["keys"][0]["kid"]
    assert (claims["iss"], claims["aud"], claims["nonce"]) == (
        oidc_entra.issuer, client_id, "the-nonce")
    # (jwcrypto reports a failed signature under a known kid as "missing key")
    with pytest.raises((jws.InvalidJWSSignature, jwt.JWTMissingKey)):
        _verify(oidc_entra, id_token, client_id, "the-nonce")
    with pytest.raises(jws.InvalidJWSSignature):
        jwt.JWT(jwt=id_token, key=jwk.JWK(**oidc_entra.jwks()["keys"][0]),
                check_claims={"exp": None})
    # ... and it is a real signature, by the other key.
    other = jwk.JWK.from_pem((oidc_entra.data / "other-key.pem").read_bytes())
    jwt.JWT(jwt=id_token, key=other, check_claims={"exp": None})


def test_back_to_ok_the_token_verifies_again(oidc_entra):
    _misbehaving_token(oidc_entra, "wrong_issuer")
    user = oidc_entra.add_user({"preferred_username": "after@hollinspark.sch.uk"})
    client = oidc_entra.add_client(REDIRECT)
    _verify(oidc_entra, _tokens(oidc_entra, user, client=client)["id_token"], client[0],
            "nonce-1")


def test_unknown_mode_is_refused(oidc_entra):
    with pytest.raises(RuntimeError, match="400"):
        oidc_entra.set_mode("sometimes")
    assert oidc_entra.get_mode() == "ok"


def test_stopped_provider_is_down(start_oidc_provider):
    provider = start_oidc_provider("generic")
    provider.discovery()
    provider.stop()
    with pytest.raises(requests.ConnectionError):
        requests.get(provider.discovery_url, timeout=5)


# ---- the test endpoints and the data folder -----------------------------------------------

@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "wrong"])
def test_test_endpoints_need_the_shared_secret(oidc_generic, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    for path in ("users", "clients", "mode"):
        response = requests.post(f"{oidc_generic.origin}/_devidp/{path}", headers=headers,
                                 json={"password": "x", "claims": {"sub": "intruder"},
                                       "redirect_uris": [REDIRECT], "mode": "expired"},
                                 timeout=10)
        assert response.status_code == 403
    assert oidc_generic.get_mode() == "ok"


def test_bad_requests_to_the_test_endpoints_get_a_message(oidc_generic):
    with pytest.raises(RuntimeError, match="400"):
        oidc_generic.add_user({}, password="x")  # no name to sign in with
    with pytest.raises(RuntimeError, match="400"):
        oidc_generic.add_client([])


def test_keys_users_and_clients_survive_a_restart_and_the_command_line_adds_users(tmp_path):
    data = tmp_path / "idp"
    added = subprocess.run(
        [sys.executable, "-m", "devidp", "adduser", "--data", str(data), "--style", "google",
         "--password", "pw-cli", "--claim", "email=cli@hollinspark.sch.uk"],
        cwd=REPO, capture_output=True, text=True, check=True, timeout=120)
    stored = json.loads(added.stdout)
    assert stored["username"] == "cli@hollinspark.sch.uk"
    first = start_devidp(data, "google")
    try:
        kid = first.jwks()["keys"][0]["kid"]
        client = first.add_client(REDIRECT)
    finally:
        first.stop()
    second = start_devidp(data, "google")
    try:
        assert second.jwks()["keys"][0]["kid"] == kid
        user = IdpUser("cli@hollinspark.sch.uk", "pw-cli", stored["claims"])
        claims = _verify(second, _tokens(second, user, client=client)["id_token"], client[0],
                         "nonce-1")
        assert claims["sub"] == stored["claims"]["sub"]
        assert claims["hd"] == "hollinspark.sch.uk"
    finally:
        second.stop()
    assert (data / "signing-key.pem").stat().st_mode & 0o077 == 0


def test_a_data_folder_keeps_its_style(tmp_path):
    data = tmp_path / "idp"
    subprocess.run([sys.executable, "-m", "devidp", "mode", "--data", str(data)], cwd=REPO,
                   check=True, capture_output=True, timeout=60)
    start_devidp(data, "entra").stop()
    with pytest.raises(RuntimeError, match="entra-style"):
        start_devidp(data, "google")


def _ended(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:  # ended but not yet reaped (a container whose first process reaps nobody)
        return "\nState:\tZ" in open(f"/proc/{pid}/status").read()
    except OSError:
        return True


def test_provider_stops_when_whoever_started_it_is_killed(tmp_path):
    data = tmp_path / "idp"
    starter = subprocess.Popen(
        [sys.executable, "-c",
         "import subprocess, sys, time\n"
         f"subprocess.Popen([sys.executable, '-m', 'devidp', 'serve', '--port', '0', "
         f"'--style', 'generic', '--data', {str(data)!r}, '--exit-with-parent'])\n"
         "time.sleep(600)\n"],
        cwd=REPO)
    try:
        for _ in range(600):
            if (data / "ready.json").exists():
                break
            time.sleep(0.1)
        info = json.loads((data / "ready.json").read_text())
        assert requests.get(info["discovery"], timeout=5).status_code == 200
    finally:
        starter.kill()  # SIGKILL: no clean-up of its own
        starter.wait()
    for _ in range(200):
        if _ended(info["pid"]):
            break
        time.sleep(0.1)
    else:
        os.kill(info["pid"], signal.SIGKILL)
        pytest.fail("the provider outlived the process that started it")

"""An OpenID Connect provider inside the test process, answering allauth's HTTP calls.

It signs real RS256 id_tokens with its own key and publishes the public half as JWKS, so
the checks esafety makes (signature, issuer, audience, expiry, nonce) are really made. The
real provider process (devidp, tests/e2e) drives the browser journeys; this one lets the
unit tests make the provider misbehave in one precise way at a time.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlparse

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from esafety.identity import actions


class FakeResponse:
    def __init__(self, status: int, body: dict | str):
        self.status_code = status
        self.text = body if isinstance(body, str) else json.dumps(body)
        self.content = self.text.encode()
        self.headers = {"content-type": "application/json"}

    def json(self):
        return json.loads(self.text)

    def raise_for_status(self):
        if self.status_code >= 400:
            raise requests.HTTPError(f"{self.status_code}")


def _key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeProvider:
    issuer: str = "https://idp.test/tenant-a/v2.0"
    client_id: str = "esafety-client"
    key: object = field(default_factory=_key)
    other_key: object = field(default_factory=_key)
    kid: str = "key-1"
    down: bool = False
    codes: dict = field(default_factory=dict)
    calls: list = field(default_factory=list)

    # -- what allauth fetches ------------------------------------------------------------
    def answer(self, method: str, url: str, data=None, **_kwargs) -> FakeResponse:
        self.calls.append((method, url))
        if self.down:
            raise requests.ConnectionError("connection refused")
        path = urlparse(url).path
        base = urlparse(self.issuer).path
        if path == base + "/.well-known/openid-configuration":
            return FakeResponse(200, {
                "issuer": self.issuer,
                "authorization_endpoint": self.issuer + "/authorize",
                "token_endpoint": self.issuer + "/token",
                "jwks_uri": self.issuer + "/jwks",
                "userinfo_endpoint": self.issuer + "/userinfo",
                "token_endpoint_auth_methods_supported": ["client_secret_post"],
            })
        if path == base + "/jwks":
            public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
            public.update(kid=self.kid, alg="RS256", use="sig")
            return FakeResponse(200, {"keys": [public]})
        if path == base + "/token":
            code = (data or {}).get("code")
            if code not in self.codes:
                return FakeResponse(400, {"error": "invalid_grant"})
            return FakeResponse(200, {"access_token": "at-" + code, "token_type": "Bearer",
                                      "id_token": self.codes.pop(code)})
        return FakeResponse(404, {"error": "not found"})

    # -- minting ---------------------------------------------------------------------------
    def id_token(self, claims: dict, *, nonce: str, misbehave: str = "") -> str:
        now = int(time.time())
        payload = {"iss": self.issuer, "aud": self.client_id, "iat": now, "exp": now + 300,
                   "nonce": nonce, **claims}
        key = self.key
        if misbehave == "wrong_issuer":
            payload["iss"] = "https://evil.test/"
        elif misbehave == "wrong_audience":
            payload["aud"] = "someone-else"
        elif misbehave == "wrong_nonce":
            payload["nonce"] = secrets.token_urlsafe(16)
        elif misbehave == "expired":
            payload["iat"], payload["exp"] = now - 3600, now - 1800
        elif misbehave == "bad_signature":
            key = self.other_key
        if misbehave == "hs256":
            return jwt.encode(payload, "public-knowledge-" * 3, algorithm="HS256",
                              headers={"kid": self.kid})
        return jwt.encode(payload, key, algorithm="RS256", headers={"kid": self.kid})


class FakeSession:
    def __init__(self, provider: FakeProvider):
        self.provider = provider

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def get(self, url, **kwargs):
        return self.provider.answer("GET", url, **kwargs)

    def request(self, method, url, **kwargs):
        return self.provider.answer(method, url, **kwargs)


def configure(school, provider: FakeProvider, **changes):
    """Switch the school's sign-in on, pointed at `provider` (an 'any issuer' provider)."""
    fields = {"enabled": True, "kind": "oidc", "issuer_url": provider.issuer,
              "client_id": provider.client_id, "client_secret": "s3cret",
              "match_rule": "username", "two_factor_for_leaders": False}
    fields.update(changes)
    return actions.sign_in_configure(actor=None, school=school, changes=fields)


def sign_in(client, provider: FakeProvider, school, claims: dict, *, next_url: str = "",
            misbehave: str = ""):
    """Walk the browser's part: start, follow to the provider, come back with a code."""
    start = f"/sign-in/school/{school.slug}/"
    if next_url:
        start += f"?next={next_url}"
    response = client.get(start)
    assert response.status_code == 302, response
    response = client.get(response["Location"])
    if response.status_code != 302 or not response["Location"].startswith(provider.issuer):
        return response
    query = parse_qs(urlparse(response["Location"]).query)
    code = secrets.token_urlsafe(12)
    provider.codes[code] = provider.id_token(claims, nonce=query["nonce"][0],
                                             misbehave=misbehave)
    callback = f"/accounts/oidc/school-{school.slug}/login/callback/"
    return client.get(callback, {"code": code, "state": query["state"][0]})

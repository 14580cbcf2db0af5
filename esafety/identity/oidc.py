"""allauth's OpenID Connect provider, made strict for schools.

allauth skips the id_token's signature when it fetched the token itself, trusts whatever
issuer the discovery document names and sends no nonce. Here every id_token is checked
against the provider's published keys (JWKS), the issuer the school configured (Entra: its
tenant; Google: accounts.google.com), the school's client id as audience, its expiry, and a
nonce kept in this browser's sign-in state (checked in adapters.py, where the state is).
A provider that does not answer gets a plain page, never an error 500.
"""

from __future__ import annotations

import secrets
from typing import Any

import jwt
import requests
from allauth.account.internal.decorators import login_not_required
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.internal import jwtkit
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.client import OAuth2Error
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView, OAuth2LoginView
from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from django.http import Http404

# Public-key signatures only: a symmetric "HS256" token could be forged with public data.
SIGNING_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
                                "ES256", "ES384", "ES512"})


class ProviderUnavailable(requests.RequestException):
    """The provider did not answer, or answered with something that is not OpenID Connect."""


def expected_issuer(app) -> str:
    return str(app.settings.get("expected_issuer") or "").rstrip("/")


class SchoolOIDCAdapter(OpenIDConnectOAuth2Adapter):
    @property
    def openid_config(self):
        try:
            config = super().openid_config
        except (requests.RequestException, ValueError) as error:
            raise ProviderUnavailable(str(error)) from error
        if not isinstance(config, dict) or not all(
                isinstance(config.get(key), str) for key in
                ("issuer", "authorization_endpoint", "token_endpoint", "jwks_uri")):
            raise ProviderUnavailable("the provider's discovery document is incomplete")
        return config

    def _decode_id_token(self, app, id_token: str) -> dict:
        return verify_id_token(id_token, config=self.openid_config, app=app)


def verify_id_token(id_token: str, *, config: dict, app) -> dict:
    """The id_token's claims, or OAuth2Error: signature (JWKS), issuer, audience, expiry."""
    issuer = expected_issuer(app)
    if not issuer or str(config["issuer"]).rstrip("/") != issuer:
        raise OAuth2Error(f"the provider says it is {config['issuer']!r}, not {issuer!r}")
    try:
        header = jwt.get_unverified_header(id_token)
    except jwt.PyJWTError as error:
        raise OAuth2Error("the id_token is not a token") from error
    if header.get("alg") not in SIGNING_ALGORITHMS or not isinstance(header.get("kid"), str):
        raise OAuth2Error("the id_token is not signed with one of the provider's keys")
    try:
        return jwtkit.verify_and_decode(
            credential=id_token, keys_url=config["jwks_uri"], issuer=config["issuer"],
            audience=app.client_id, lookup_kid=jwtkit.lookup_kid_jwk, verify_signature=True)
    except (KeyError, TypeError, ValueError, jwt.PyJWTError) as error:
        raise OAuth2Error("the id_token could not be checked") from error


class SchoolOIDCProvider(OpenIDConnectProvider):
    oauth2_adapter_class = SchoolOIDCAdapter

    def redirect(self, request, process, next_url=None, data=None, **kwargs: Any):
        nonce = secrets.token_urlsafe(32)
        auth_params = kwargs.pop("auth_params", None) or self.get_auth_params()
        auth_params["nonce"] = nonce
        try:
            return super().redirect(request, process, next_url, data,
                                    auth_params=auth_params, nonce=nonce, **kwargs)
        except (ProviderUnavailable, requests.RequestException) as error:
            from esafety.identity import pages

            raise ImmediateHttpResponse(pages.provider_down(request, self.app, error)) from error

    def verify_token(self, request, token):
        # Token sign-in (allauth's headless API) is not offered: the browser flow only.
        raise OAuth2Error("token sign-in is not offered")


@login_not_required
def login(request, provider_id: str):
    return _view(OAuth2LoginView, request, provider_id)


@login_not_required
def callback(request, provider_id: str):
    return _view(OAuth2CallbackView, request, provider_id)


def _view(view_class, request, provider_id: str):
    # allauth's own views build allauth's adapter, not the strict one above: these use ours.
    try:
        return view_class.adapter_view(SchoolOIDCAdapter(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404("no such sign-in") from None
    except requests.RequestException as error:  # the discovery document, before allauth's try
        from esafety.identity import pages

        app = SocialApp.objects.filter(provider="openid_connect", provider_id=provider_id).first()
        return pages.provider_down(request, app, error)

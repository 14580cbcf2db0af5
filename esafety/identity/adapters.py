"""allauth adapters: nobody signs up, and every answer from a provider ends in signing_in.

allauth runs the protocol (discovery, state, PKCE, the code exchange) and, with oidc.py, the
id_token checks. Here the nonce is compared with the one this browser's sign-in started
with, then signing_in.finish decides who it is. Errors become plain pages.
"""

from __future__ import annotations

import hmac

import requests
from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter

from esafety.identity import pages, selectors, signing_in


class NoSignUpAccountAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request):
        return False


class SchoolSocialAccountAdapter(DefaultSocialAccountAdapter):
    def is_open_for_signup(self, request, sociallogin):
        return False

    def pre_social_login(self, request, sociallogin):
        app = sociallogin.account.get_provider().app
        sign_in = selectors.sign_in_by_provider_id(app.provider_id or "")
        claims = (sociallogin.account.extra_data or {}).get("id_token")
        state = sociallogin.state or {}
        if sign_in is None or not sign_in.ready:
            raise ImmediateHttpResponse(pages.provider_down(request, app, Exception("off")))
        if not isinstance(claims, dict):
            raise ImmediateHttpResponse(pages.token_refused(request, "no id_token"))
        nonce, expected = claims.get("nonce"), state.get("nonce")
        if not isinstance(nonce, str) or not isinstance(expected, str) or not hmac.compare_digest(
                nonce, expected):
            raise ImmediateHttpResponse(pages.token_refused(request, "the nonce does not match"))
        raise ImmediateHttpResponse(
            signing_in.finish(request, sign_in, claims, state.get("next") or ""))

    def on_authentication_error(self, request, provider, error=None, exception=None,
                                extra_context=None):
        if isinstance(exception, requests.RequestException):
            raise ImmediateHttpResponse(pages.provider_down(request, provider.app, exception))
        raise ImmediateHttpResponse(pages.token_refused(request, f"{error}: {exception!r}"))

"""Checking a school's provider from the settings page: does it answer, as the issuer the
school expects, with signing keys? Reads only; the answer is a sentence for the IT manager."""

from __future__ import annotations

import requests
from allauth.socialaccount.adapter import get_adapter

from esafety.identity.models import SchoolSignIn


def check_provider(sign_in: SchoolSignIn) -> tuple[bool, str]:
    issuer = sign_in.expected_issuer
    url = issuer + "/.well-known/openid-configuration"
    try:
        with get_adapter().get_requests_session() as session:
            response = session.get(url)
            response.raise_for_status()
            config = response.json()
            keys = session.get(config["jwks_uri"])
            keys.raise_for_status()
            key_count = len(keys.json().get("keys", []))
    except (requests.RequestException, ValueError, KeyError, TypeError, AttributeError) as error:
        return False, f"The provider did not answer properly at {url}: {error}"
    if str(config.get("issuer", "")).rstrip("/") != issuer:
        return False, (f"The provider answered, but says it is {config.get('issuer')!r}, not "
                       f"{issuer!r}: check the tenant id or issuer URL.")
    if not key_count:
        return False, "The provider answered but publishes no signing keys."
    return True, (f"The provider answers as {issuer} and publishes {key_count} signing "
                  f"key{'s' if key_count != 1 else ''}. Now try signing in with a test account.")

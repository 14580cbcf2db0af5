"""The claims each style issues, shaped like the real providers'.

``complete`` runs once, when an account is added: it fills in the identifiers a real provider
would have made (an Entra object id, a Google subject) and stores them, so they stay the same
for every sign-in. ``issued`` runs at every token: it adds what depends on the client (Entra's
pairwise ``sub``) and leaves out any claim set to None (so a test can ask for an account without,
say, an email address).
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import uuid
from typing import Any

CLAIMS_SUPPORTED = {
    "entra": ["sub", "tid", "oid", "preferred_username", "email", "name", "given_name",
              "family_name", "employeeId", "ver"],
    "google": ["sub", "email", "email_verified", "hd", "name", "given_name", "family_name"],
    "generic": ["sub", "preferred_username", "email", "name"],
}

# Addresses that are not a hosted (Workspace) domain: Google sends no "hd" for them.
_CONSUMER_DOMAINS = {"gmail.com", "googlemail.com"}


def login_name(claims: dict[str, Any]) -> str:
    """The name typed on the sign-in form when the caller gives none."""
    for key in ("preferred_username", "email", "sub"):
        value = claims.get(key)
        if value:
            return str(value)
    raise ValueError("give a username, or a preferred_username, email or sub claim")


def _full_name(claims: dict[str, Any], username: str) -> str:
    parts = [claims.get("given_name"), claims.get("family_name")]
    return " ".join(p for p in parts if p) or username


def complete(style: str, tenant: str, username: str, given: dict[str, Any]) -> dict[str, Any]:
    """The claims to store for a new account: ``given`` plus the style's usual defaults."""
    claims = dict(given)
    if style == "entra":
        claims.setdefault("tid", tenant)
        claims.setdefault("oid", str(uuid.uuid4()))
        claims.setdefault("preferred_username", username)
        if "@" in str(claims["preferred_username"] or ""):
            claims.setdefault("email", claims["preferred_username"])
        claims.setdefault("name", _full_name(claims, username))
        claims.setdefault("ver", "2.0")
    elif style == "google":
        # Google subjects are 21-digit numbers.
        claims.setdefault("sub", str(10**20 + secrets.randbelow(9 * 10**20)))
        claims.setdefault("email", username if "@" in username else None)
        claims.setdefault("email_verified", True)
        email = str(claims.get("email") or "")
        domain = email.rpartition("@")[2].lower()
        if domain and domain not in _CONSUMER_DOMAINS:
            claims.setdefault("hd", domain)
        claims.setdefault("name", _full_name(claims, username))
    else:
        claims.setdefault("sub", str(uuid.uuid4()))
        claims.setdefault("preferred_username", username)
    return claims


def pairwise_sub(tenant: str, oid: str, client_id: str) -> str:
    """Entra's ``sub``: the same person has a different subject for each application (43
    characters of base64url), so a relying party must match on tid + oid, not on sub."""
    digest = hashlib.sha256(f"{tenant}|{oid}|{client_id}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def issued(style: str, stored: dict[str, Any], client_id: str) -> dict[str, Any]:
    """The claims in an id_token or userinfo answer for this client."""
    claims = dict(stored)
    if style == "entra" and "sub" not in claims:
        claims["sub"] = pairwise_sub(str(claims.get("tid")), str(claims.get("oid")), client_id)
    return {key: value for key, value in claims.items() if value is not None}

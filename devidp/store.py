"""Adding accounts and clients: shared by the command line and the test endpoints."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from oauth2_provider.models import get_application_model

from devidp import claims as claims_mod
from devidp import settings as conf
from devidp.models import Identity


@transaction.atomic
def add_user(password: str, claims: dict[str, Any], username: str | None = None) -> dict[str, Any]:
    """Add an account (or update one with the same login name): returns
    ``{"username": ..., "claims": {...}}`` with the claims as stored (defaults filled in)."""
    if not isinstance(claims, dict):
        raise ValueError("claims must be a JSON object")
    if not password:
        raise ValueError("give a password")
    username = username or claims_mod.login_name(claims)
    user_model = get_user_model()
    user, _ = user_model.objects.get_or_create(username=username)
    user.set_password(password)
    user.save()
    identity, created = Identity.objects.get_or_create(user=user)
    merged = claims if created else {**identity.claims, **claims}
    identity.claims = claims_mod.complete(conf.STYLE, conf.TENANT, username, merged)
    identity.save()
    return {"username": username, "claims": identity.claims}


@transaction.atomic
def add_client(redirect_uris: list[str], client_id: str | None = None,
               client_secret: str | None = None, name: str = "",
               post_logout_redirect_uris: list[str] | None = None) -> dict[str, str]:
    """Register a confidential client for the authorisation code flow (RS256 id_tokens, no
    consent page). Returns ``{"client_id": ..., "client_secret": ...}``; the secret is only
    ever shown here (the provider keeps a hash)."""
    if isinstance(redirect_uris, str):
        redirect_uris = [redirect_uris]
    if not redirect_uris or not all(isinstance(u, str) and u for u in redirect_uris):
        raise ValueError("give at least one redirect URI")
    application_model = get_application_model()
    client_id = client_id or secrets.token_urlsafe(18)
    client_secret = client_secret or secrets.token_urlsafe(32)
    app = application_model.objects.filter(client_id=client_id).first() or application_model(
        client_id=client_id)
    app.name = name or client_id
    app.client_type = application_model.CLIENT_CONFIDENTIAL
    app.authorization_grant_type = application_model.GRANT_AUTHORIZATION_CODE
    app.algorithm = application_model.RS256_ALGORITHM
    app.skip_authorization = True
    app.redirect_uris = " ".join(redirect_uris)
    app.post_logout_redirect_uris = " ".join(post_logout_redirect_uris or [])
    app.client_secret = client_secret
    app.hash_client_secret = True
    app.full_clean(exclude=["user"])
    app.save()
    return {"client_id": client_id, "client_secret": client_secret}

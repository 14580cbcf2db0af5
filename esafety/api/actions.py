"""The only code that changes the check API's tokens: make, revoke, and count a use
(with the rate limit)."""

from __future__ import annotations

import datetime
import hashlib
import math
import secrets

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from esafety.api import events
from esafety.api.models import DEFAULT_CHECKS_PER_MINUTE, MAX_CHECKS_PER_MINUTE, ApiToken
from esafety.directory import permissions
from esafety.directory.models import Person, School
from esafety.errors import Conflict, InvalidInput

__all__ = ["DEFAULT_CHECKS_PER_MINUTE", "MAX_CHECKS_PER_MINUTE", "RateLimited", "TokenRefused",
           "token_create", "token_hash", "token_revoke", "token_use"]

TOKEN_PREFIX = "esf_"
# Each token's limit (ApiToken.checks_per_minute, documented in README.md and
# contrib/mail/README.md) counts the checks made in this window.
RATE_WINDOW = datetime.timedelta(minutes=1)


class TokenRefused(Exception):
    """No such token, or it was revoked."""


class RateLimited(Exception):
    def __init__(self, retry_after: int, limit: int):
        super().__init__(f"rate limit of {limit} checks a minute reached; try again in "
                         f"{retry_after} s")
        self.retry_after = retry_after
        self.limit = limit


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def token_create(*, actor: Person, school: School, name: str,
                 checks_per_minute: int = DEFAULT_CHECKS_PER_MINUTE) -> tuple[ApiToken, str]:
    """A new token for `school` that may make `checks_per_minute` checks a minute; returns
    it and the token itself (shown once, never kept)."""
    permissions.require(actor, "manage_api_tokens", school, what="make API tokens")
    name = " ".join((name or "").split())[:100]
    if not name:
        raise InvalidInput("Give the token a name that says what will use it.",
                           code="name-required")
    if not isinstance(checks_per_minute, int) or not (
            1 <= checks_per_minute <= MAX_CHECKS_PER_MINUTE):
        raise InvalidInput(f"Choose between 1 and {MAX_CHECKS_PER_MINUTE:,} checks a minute.",
                           code="bad-rate-limit")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(school=school, name=name, token_hash=token_hash(raw),
                                        prefix=raw[:10], created_by=actor,
                                        checks_per_minute=checks_per_minute)
        events.api_token_created(actor=actor, token=token)
    return token, raw


def token_revoke(*, actor: Person, token: ApiToken) -> ApiToken:
    permissions.require(actor, "manage_api_tokens", token.school, what="revoke API tokens")
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            raise Conflict("That token was already revoked.")
        token.revoked_at, token.revoked_by = timezone.now(), actor
        token.save(update_fields=["revoked_at", "revoked_by"])
        events.api_token_revoked(actor=actor, token=token)
    return token


def token_use(*, raw: str) -> ApiToken:
    """The active token `raw` names, with this use counted; TokenRefused for an unknown or
    revoked token, RateLimited once it has made its checks_per_minute in the current
    window."""
    now = timezone.now()
    with transaction.atomic():
        token = (ApiToken.objects.select_for_update(of=("self",)).select_related("school")
                 .filter(token_hash=token_hash(raw)).first())
        if token is None or token.revoked_at is not None:
            raise TokenRefused
        if token.window_started_at is None or now - token.window_started_at >= RATE_WINDOW:
            token.window_started_at, token.window_uses = now, 0
        if token.window_uses >= token.checks_per_minute:
            left = (token.window_started_at + RATE_WINDOW - now).total_seconds()
            raise RateLimited(max(1, math.ceil(left)), token.checks_per_minute)
        ApiToken.objects.filter(pk=token.pk).update(
            window_started_at=token.window_started_at, window_uses=token.window_uses + 1,
            uses=F("uses") + 1, last_used_at=now)
    return token

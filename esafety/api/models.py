"""A school's tokens for the check API: only a hash of each is kept."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

# The rate limit a new token gets: checks a minute, for everyone using it together. A school
# of 150 staff sending at 08:30 makes a few hundred checks in that minute; past the limit
# the add-in lets mail go without coaching, so the default leaves room to spare.
DEFAULT_CHECKS_PER_MINUTE = 600
MAX_CHECKS_PER_MINUTE = 10_000


class ApiToken(models.Model):
    school = models.ForeignKey("directory.School", on_delete=models.CASCADE,
                               related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses it, e.g. 'Outlook add-in'")
    # SHA-256 of the token (hex). The token itself is shown once, when it is made.
    token_hash = models.CharField(max_length=64, unique=True)
    # The first characters, so a person can tell tokens apart (not enough to use one).
    prefix = models.CharField(max_length=12)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    uses = models.PositiveBigIntegerField(default=0)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    # The rate limit, chosen when the token is made (a new token for a different one).
    checks_per_minute = models.PositiveIntegerField(default=DEFAULT_CHECKS_PER_MINUTE)
    # The rate limit's current window: when it began and the checks made in it.
    window_started_at = models.DateTimeField(null=True, blank=True)
    window_uses = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"API token '{self.name}' ({self.prefix}…)"

    @property
    def active(self) -> bool:
        return self.revoked_at is None

"""Who is at which computer: the school's network sign-in settings and client bindings.

A ClientBinding says "the computer at this address is being used by this person" from a
sign-in on the "sign in to the internet" page until they sign out, go idle, the school day
ends, someone else signs in there, or their access to the school's systems ends. Bindings
are never deleted: an ended one keeps when and why it ended.
"""

from __future__ import annotations

import datetime

from django.db import models

from esafety.directory.models import Person, School

SIGNIN = "signin"
GUESTS = "guests"
UNIDENTIFIED_CHOICES = [
    (SIGNIN, "Sign in first (only the sign-in page and the block page)"),
    (GUESTS, "Browse with the guests' filtering"),
]


class NetworkSettings(models.Model):
    """One school's choices for signing in to the internet."""

    school = models.OneToOneField(School, on_delete=models.CASCADE,
                                  related_name="network_settings")
    idle_minutes = models.PositiveIntegerField(
        default=30, help_text="A computer nobody has used for this long is signed out of the "
                              "internet")
    school_day_ends = models.TimeField(
        default=datetime.time(17, 0),
        help_text="Everyone is signed out of the internet at this time each day")
    unidentified = models.CharField(
        max_length=8, choices=UNIDENTIFIED_CHOICES, default=SIGNIN,
        help_text="What a computer gets before anyone has signed in on it")
    snapshot_age_limit_minutes = models.PositiveIntegerField(
        default=10, help_text="Alert the IT manager when the filter's copy of the policy is "
                              "out of date for longer than this")
    extra_web_hosts = models.TextField(
        blank=True, help_text="Other sites everyone may reach to sign in, one per line "
                              "(e.g. login.microsoftonline.com)")
    # +1 per bindings.json written (the helpers report which one they have).
    bindings_version = models.PositiveIntegerField(default=0)
    bindings_written_at = models.DateTimeField(null=True, blank=True)
    # The stale-snapshot alert: since when, and when the email went (once per episode).
    stale_since = models.DateTimeField(null=True, blank=True)
    stale_alert_sent_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Network sign-in settings for {self.school}"

    @property
    def web_host_list(self) -> list[str]:
        return [line.strip().lower() for line in self.extra_web_hosts.splitlines()
                if line.strip()]


class ClientBindingQuerySet(models.QuerySet["ClientBinding"]):
    def open(self) -> ClientBindingQuerySet:
        """Not ended by anyone yet (some may be past their end, waiting for the sweep)."""
        return self.filter(ended_at__isnull=True)

    def live(self, now: datetime.datetime) -> ClientBindingQuerySet:
        return self.filter(ended_at__isnull=True, ends__gt=now)


class ClientBinding(models.Model):
    SIGNED_OUT = "signed_out"
    REPLACED = "replaced"
    IDLE = "idle"
    DAY_END = "day_end"
    LEFT = "left"
    EXPIRED = "expired"
    INACTIVE = "inactive"
    ENDED_REASONS = [
        (SIGNED_OUT, "Signed out"),
        (REPLACED, "Someone else signed in on this computer"),
        (IDLE, "Not used for a while"),
        (DAY_END, "End of the school day"),
        (LEFT, "Left the school"),
        (EXPIRED, "Guest access ended"),
        (INACTIVE, "Account switched off"),
    ]

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="client_bindings")
    address = models.GenericIPAddressField()
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="client_bindings")
    started_at = models.DateTimeField()
    last_seen = models.DateTimeField()
    ends = models.DateTimeField(help_text="When it ends by itself (idle or end of the day)")
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_reason = models.CharField(max_length=16, choices=ENDED_REASONS, blank=True)

    objects = ClientBindingQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        constraints = [
            # One address has one open binding: the later sign-in replaces the earlier.
            models.UniqueConstraint(fields=["school", "address"],
                                    condition=models.Q(ended_at__isnull=True),
                                    name="one_open_binding_per_address"),
        ]
        indexes = [models.Index(fields=["school", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.address} \u2192 {self.person.username}"

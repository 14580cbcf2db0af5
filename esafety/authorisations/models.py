"""Authorisations: proxy access to someone's mailbox or account (000 §1, 001 §6, 003 §5.9) and
investigations beyond day-to-day monitoring (003 §2.7), each asked for with a reason and a
length, approved or refused by the headteacher or their nominee, and every use recorded."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils import timezone

from esafety.directory.models import Person, School

MAILBOX = "mailbox"
ACCOUNT = "account"
INVESTIGATION = "investigation"
KIND_CHOICES = [
    (MAILBOX, "Access to someone's mailbox"),
    (ACCOUNT, "Access to someone's account or files"),
    (INVESTIGATION, "An investigation beyond day-to-day monitoring"),
]

PENDING = "pending"
APPROVED = "approved"
REFUSED = "refused"
REVOKED = "revoked"
EXPIRED = "expired"
WITHDRAWN = "withdrawn"
STATUS_CHOICES = [
    (PENDING, "Waiting for a decision"),
    (APPROVED, "Approved"),
    (REFUSED, "Refused"),
    (REVOKED, "Ended early"),
    (EXPIRED, "Ended (time ran out)"),
    (WITHDRAWN, "Withdrawn"),
]
OPEN_STATUSES = (PENDING,)
MAX_DAYS = 90


class AuthorisationSettings(models.Model):
    """The school's choice of nominee: who decides when the headteacher is away or is the
    person whose mailbox is asked for (003 §2.7, §5.9 "the Principal or his/her nominee")."""

    school = models.OneToOneField(School, on_delete=models.PROTECT,
                                  related_name="authorisation_settings")
    nominee = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"Access authorisation settings for {self.school}"


class Authorisation(models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="authorisations")
    kind = models.CharField(max_length=16, choices=KIND_CHOICES)
    # Whose mailbox or account, or who the investigation is about.
    subject = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    # Who would read it.
    reader = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField()
    days = models.PositiveSmallIntegerField(help_text="How many days the access lasts")
    requested_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=16, choices=STATUS_CHOICES, default=PENDING)
    decided_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    ended_at = models.DateTimeField(null=True, blank=True)
    end_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["school", "kind", "subject", "status"])]

    def __str__(self):
        return f"{self.get_kind_display()}: {self.subject.display_name}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def in_force(self, at: datetime.datetime | None = None) -> bool:
        at = at or timezone.now()
        return (self.status == APPROVED and self.expires_at is not None
                and self.decided_at is not None and self.decided_at <= at < self.expires_at)

    @property
    def plain_status(self) -> str:
        if self.status == APPROVED and self.expires_at and self.expires_at <= timezone.now():
            return "Ended (time ran out)"
        return self.get_status_display()


class AuthorisationUse(models.Model):
    """"I used this access": when, who, and what was done (000 §1: a clear reason)."""

    authorisation = models.ForeignKey(Authorisation, on_delete=models.PROTECT,
                                      related_name="uses")
    used_by = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    used_at = models.DateTimeField(default=timezone.now)
    what_was_done = models.TextField()

    class Meta:
        ordering = ["-used_at", "-pk"]

    def __str__(self):
        return f"Use of {self.authorisation} on {self.used_at:%d %b %Y}"

"""Notices: what esafety told someone, in esafety and by email, and what became of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from esafety.directory.models import School
from esafety.notices import kinds


class Notice(models.Model):
    """One handoff told to one person. The title says where to look, never what was
    reported (a parent's notice gives the reason in plain words, as the policy asks)."""

    school = models.ForeignKey(School, null=True, blank=True, on_delete=models.CASCADE,
                               related_name="notices")
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notices")
    kind = models.CharField(max_length=32, choices=list(kinds.LABELS.items()))
    title = models.CharField(max_length=200)
    body = models.TextField(blank=True)
    path = models.CharField(max_length=500, blank=True, help_text="Where to look in esafety")
    urgent = models.BooleanField(default=False)
    # What it is about (a case, a suspension, a concern, an unblock request), so the message
    # is kept with it: ("incident", pk), ("suspension", pk), ("concern", pk), ("unblock", pk).
    about_type = models.CharField(max_length=20, blank=True)
    about_id = models.PositiveBigIntegerField(null=True, blank=True)
    # The same scheduled check on the same day tells nobody twice.
    key = models.CharField(max_length=120, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    read_at = models.DateTimeField(null=True, blank=True)
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    email_skipped = models.BooleanField(default=False,
                                        help_text="They chose to see this kind only in esafety")
    email_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["recipient", "read_at"]),
                   models.Index(fields=["about_type", "about_id"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.recipient_id}"

    @property
    def email_failed(self) -> bool:
        return bool(self.email_error) and self.emailed_at is None

    @property
    def how_told(self) -> str:
        """By what channel, in plain words: always a notice in esafety, and the email's fate."""
        if self.emailed_at:
            return "In esafety and by email"
        if self.email_skipped:
            return "In esafety only (they chose not to be emailed about this kind)"
        if self.email_error:
            return "In esafety; the email could not be sent"
        return "In esafety only"

    @property
    def email_state(self) -> str:
        if self.emailed_at:
            return "Emailed"
        if self.email_skipped:
            return "Not emailed (you chose to see these here only)"
        if self.email_error:
            return "Email NOT sent: " + self.email_error
        return "Not emailed"


class Preference(models.Model):
    """What one person chose: the everyday handoffs by email, or in esafety only."""

    person = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="notice_preference")
    email_routine = models.BooleanField(default=True)
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Notice choices of {self.person_id}"


class UrgentContacts(models.Model):
    """A school's deputies and out-of-hours contacts: told of every urgent concern beside
    the designated safeguarding lead and the headteacher."""

    school = models.OneToOneField(School, on_delete=models.CASCADE,
                                  related_name="urgent_contacts")
    people = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Urgent contacts at {self.school_id}"

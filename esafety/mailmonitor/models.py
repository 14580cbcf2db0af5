"""What mail monitoring keeps: the school's choices, and a record of each monitoring copy
in which something was found.

Least intrusive (003 §2.1 to §2.7): a copy with nothing found is never stored. A copy with a
finding keeps the findings (rule, clause, the short excerpts the checker quoted), who it was
from and to, and a SHA-256 of the message, so a copy produced later can be shown to be the
same; the whole message only where the school has switched evidence capture on.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone

DEFAULT_PRIVATE_MARKERS = "[private], [personal]"


class MonitorSettings(models.Model):
    """One school's choices for the monitoring copies of its mail."""

    school = models.OneToOneField("directory.School", on_delete=models.CASCADE,
                                  related_name="mail_monitor_settings")
    evidence_capture = models.BooleanField(
        default=False,
        help_text="Keep the whole message (not only the excerpt) when something is found.")
    retention_days = models.PositiveIntegerField(
        default=90, validators=[MinValueValidator(1), MaxValueValidator(3650)],
        help_text="Days a captured message is kept before it is deleted.")
    private_markers = models.CharField(
        max_length=300, default=DEFAULT_PRIVATE_MARKERS, blank=True,
        help_text="Words in a subject that mark a message private or personal, comma "
                  "separated.")
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    changed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Mail monitoring settings for {self.school}"

    @property
    def markers(self) -> list[str]:
        return [m.strip().lower() for m in self.private_markers.split(",") if m.strip()]


class CapturedMessage(models.Model):
    """A monitoring copy in which something was found."""

    school = models.ForeignKey("directory.School", on_delete=models.CASCADE,
                               related_name="captured_messages")
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    sha256 = models.CharField(max_length=64)
    # The same message again (a journal report per recipient, or a copy re-sent after its
    # answer was lost) is counted here rather than kept twice.
    copies = models.PositiveIntegerField(default=1)
    size = models.PositiveBigIntegerField(default=0)
    # How the copy came: a journal report (unwrapped) or a plain copy (BCC, routing).
    journal_report = models.BooleanField(default=False)
    sender = models.CharField(max_length=320, blank=True)
    recipients = models.TextField(blank=True)
    subject = models.CharField(max_length=300, blank=True)
    read_as = models.CharField(max_length=300, blank=True)
    # Marked private or personal by the sender: checked for safeguarding rules only, and
    # its content is shown only after an authorisation (003 §2.6, §2.7).
    private = models.BooleanField(default=False)
    verdict = models.CharField(max_length=10)
    findings = models.JSONField(default=list)  # [{rule, title, action, clauses, excerpts}]
    concerns = models.JSONField(default=list)  # the concerns' references
    # The whole message, only with evidence capture: a file name inside the data folder's
    # mailmonitor/ folder (0600), "" when not kept.
    evidence_file = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["school", "sha256"])]

    def __str__(self) -> str:
        return f"Captured message {self.pk} ({self.received_at:%d %b %Y %H:%M})"


class ContentAuthorisation(models.Model):
    """The headteacher's (or their nominee's) recorded decision, with reasons, that a
    captured private message's content may be shown to reviewers (003 §2.6, §2.7)."""

    captured = models.ForeignKey(CapturedMessage, on_delete=models.CASCADE,
                                 related_name="authorisations")
    granted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                                   related_name="+")
    granted_at = models.DateTimeField(default=timezone.now)
    reasons = models.TextField()

    def __str__(self) -> str:
        return f"Authorisation to read captured message {self.captured_id}"

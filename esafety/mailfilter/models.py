"""The mail filter's records: the school's choices, and the messages held for review.

A held message's bytes stay in the held store on disk (DATA_DIR/mailfilter/<school>/held/,
files 0600), written by the filter before it answered the mail server; the row says what
it is, why it was held, and what a reviewer did with it.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from esafety.mailfilter import engine


class MailFilterSettings(models.Model):
    """One school's choices for the mail filter."""

    # Mail sent from an address in the school's domains that esafety's directory does not
    # know: the filter's own words for the choices (engine.UNKNOWN_SENDER_CHOICES).
    UNKNOWN_HOLD, UNKNOWN_PUPIL, UNKNOWN_STAFF = (engine.UNKNOWN_HOLD, engine.UNKNOWN_PUPIL,
                                                  engine.UNKNOWN_STAFF)
    UNKNOWN_SENDER_LABELS = {
        UNKNOWN_HOLD: "Hold it for review: nothing goes outside the school until someone has "
                      "checked it",
        UNKNOWN_PUPIL: "Treat the sender as a pupil: they may email approved recipients only",
        UNKNOWN_STAFF: "Treat the sender as staff: only if your pupils' addresses are in a "
                       "separate domain",
    }

    school = models.OneToOneField("directory.School", on_delete=models.PROTECT,
                                  related_name="mail_filter_settings")
    # 004 §3.2.3: a pupil may email approved recipients only. A pupil not in esafety yet (a
    # new starter, or every new pupil while the directory is not being updated) has an
    # address like everyone else's, so such mail is held until someone checks it unless the
    # school chooses otherwise.
    unknown_internal_sender = models.CharField(
        max_length=10, default=UNKNOWN_HOLD, choices=list(UNKNOWN_SENDER_LABELS.items()))
    # When the checker fails on a member of staff's message: pass it unchecked (open) or
    # keep it in the mail server's queue until it can be checked (closed). Pupils' mail is
    # always kept.
    staff_fail_open = models.BooleanField(default=False)
    # How long held messages are kept after a reviewer's decision (or unreviewed).
    held_retention_days = models.PositiveIntegerField(default=30)
    # The authserv-id the school's own mail server writes in Authentication-Results.
    trusted_authserv = models.CharField(max_length=200, blank=True)
    # Who a pupil asks to add an address, in the words the pupil reads.
    who_can_approve = models.CharField(max_length=200, default="your form tutor or teacher")
    postmaster = models.EmailField(blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"Mail filter settings for {self.school}"


class HeldMessage(models.Model):
    HELD = "held"
    RELEASED = "released"
    RETURNED = "returned"
    DELETED = "deleted"
    STATUS_LABELS = {HELD: "Waiting for a reviewer", RELEASED: "Released and delivered",
                     RETURNED: "Returned to the sender", DELETED: "Deleted"}

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT,
                               related_name="held_messages")
    key = models.CharField(max_length=64)
    held_at = models.DateTimeField(default=timezone.now)
    audience = models.CharField(max_length=20)  # staff | pupils | inbound | bulk
    sender = models.CharField(max_length=320, blank=True)
    recipients = models.JSONField(default=list)
    recipient_count = models.PositiveIntegerField(default=0)
    subject = models.CharField(max_length=300, blank=True)
    private = models.BooleanField(default=False)
    reason = models.TextField(blank=True)  # the rules that held it, in the policy's words
    findings = models.JSONField(default=list)
    read_as = models.CharField(max_length=300, blank=True)
    status = models.CharField(max_length=20, default=HELD,
                              choices=list(STATUS_LABELS.items()))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(max_length=500, blank=True)
    # Private mail: the headteacher's (or nominee's) authorisation to read it, with reasons
    # (003 §2.6, §2.7).
    authorised_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                      on_delete=models.PROTECT, related_name="+")
    authorised_at = models.DateTimeField(null=True, blank=True)
    authorisation_reasons = models.TextField(blank=True)
    content_removed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-held_at"]
        constraints = [models.UniqueConstraint(fields=["school", "key"],
                                               name="unique_held_message_per_school")]

    def __str__(self):
        return f"Held message {self.pk} from {self.sender or 'an unknown sender'}"

    @property
    def status_label(self) -> str:
        return self.STATUS_LABELS.get(self.status, self.status)

    @property
    def is_waiting(self) -> bool:
        return self.status == self.HELD

    @property
    def content_authorised(self) -> bool:
        return not self.private or self.authorised_at is not None

    @property
    def rule_titles(self) -> list[str]:
        """The titles of the rules that held it, each once (never their evidence, which
        quotes the message)."""
        return list(dict.fromkeys(str(f.get("title", "")).strip() for f in self.findings
                                  if isinstance(f, dict) and f.get("title")))


class GroupApproval(models.Model):
    """An address (or a whole domain) every pupil in a year group or a form may email
    (004 §3.2.3), beside each pupil's own approved recipients (Check a message > Approved
    recipients): a class writing to an author, a year group to a museum."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT,
                               related_name="mail_group_approvals")
    year_group = models.PositiveSmallIntegerField(null=True, blank=True)
    form = models.CharField(max_length=32, blank=True)
    address = models.CharField(max_length=254)
    note = models.CharField(max_length=200, blank=True)
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["year_group", "form", "address"]
        constraints = [models.UniqueConstraint(fields=["school", "year_group", "form", "address"],
                                               name="unique_group_approval")]

    def __str__(self):
        return f"{self.address} for {self.group_label}"

    @property
    def group_label(self) -> str:
        from esafety.directory import roles

        return f"form {self.form}" if self.form else roles.year_label(self.year_group)


class FilteredMessage(models.Model):
    """A message the filter returned to its sender or refused, kept as a record of who sent
    what and why (000 §8: the sender of offensive mail is recorded); never its content."""

    RETURNED = "return"
    REFUSED = "refuse"
    OUTCOME_LABELS = {RETURNED: "Returned to the sender for a revised version",
                      REFUSED: "Refused: the pupil was told who can approve the address"}

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT,
                               related_name="filtered_messages")
    key = models.CharField(max_length=64)
    at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(max_length=10, choices=list(OUTCOME_LABELS.items()))
    sender = models.CharField(max_length=320, blank=True)
    recipients = models.JSONField(default=list)
    subject = models.CharField(max_length=300, blank=True)
    rules = models.JSONField(default=list)  # [{"rule": id, "title": ...}]

    class Meta:
        ordering = ["-at"]
        constraints = [models.UniqueConstraint(fields=["school", "key"],
                                               name="unique_filtered_message_per_school")]

    def __str__(self):
        return f"{self.get_outcome_display()}: {self.sender}"

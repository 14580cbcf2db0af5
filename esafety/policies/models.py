"""Policy documents, their versions, and people's acceptance of Acceptable Use Policies."""

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone

from esafety.directory import roles


class PolicyDocument(models.Model):
    """A school policy. An Acceptable Use Policy (AUP) has an audience (004 §2 to §4)."""

    school = models.ForeignKey("directory.School", on_delete=models.PROTECT,
                               related_name="policies")
    title = models.CharField(max_length=200)
    audience = models.CharField(
        max_length=32, choices=roles.AUDIENCE_CHOICES, blank=True,
        help_text="For an Acceptable Use Policy, who must accept it; blank for other policies")
    responsible_person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                           on_delete=models.PROTECT, related_name="+")
    # 003: "This policy will be evaluated and reviewed every three years".
    review_every_months = models.PositiveSmallIntegerField(default=12)

    class Meta:
        ordering = ["title"]
        constraints = [
            models.UniqueConstraint(fields=["school", "audience"], condition=~models.Q(audience=""),
                                    name="one_aup_per_audience_per_school"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_aup(self) -> bool:
        return bool(self.audience)

    @property
    def audience_label(self) -> str:
        return roles.AUDIENCE_LABELS.get(self.audience, "")

    def current_version(self):
        return self.versions.filter(published_at__isnull=False).order_by("-published_at", "-id").first()


# 002 Appendix 1: shown with every Acceptable Use Policy, before "I Accept / I Do Not Accept".
MONITORING_NOTICE = (
    "The school may exercise its right by electronic means to monitor the use of the school's "
    "computer systems, including the monitoring of web-sites, the interception of e-mails and the "
    "deletion of inappropriate materials in circumstances where it believes unauthorised use of the "
    "school's computer system is or may be taking place, or the system is or may be being used for "
    "criminal purposes or for storing text or imagery which is unauthorised or unlawful."
)


class PolicyVersion(models.Model):
    document = models.ForeignKey(PolicyDocument, on_delete=models.PROTECT, related_name="versions")
    number = models.CharField(max_length=20, help_text="e.g. 2.1")
    text = models.TextField()
    summary_of_changes = models.TextField(blank=True)
    monitoring_notice = models.TextField(default=MONITORING_NOTICE, blank=True)
    approved_by = models.CharField(max_length=200, help_text="e.g. Full governing body")
    approved_on = models.DateField()
    review_due = models.DateField()
    published_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["-published_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["document", "number"],
                                               name="unique_version_number")]

    def __str__(self):
        return f"{self.document.title} v{self.number}"

    def review_state(self, today: datetime.date | None = None) -> str:
        today = today or timezone.localdate()
        if self.review_due < today:
            return "overdue"
        if self.review_due <= today + datetime.timedelta(days=30):
            return "due"
        return "ok"


class Acceptance(models.Model):
    """One person's answer to one AUP version: accepted or declined.

    Rows are never edited: a person who declined and later accepts gets a new row, so the
    history of answers stays visible. The latest row decides.
    """

    ACCEPTED = "accepted"
    DECLINED = "declined"
    DECISIONS = [(ACCEPTED, "Accepted"), (DECLINED, "Declined")]
    ONLINE = "online"
    PAPER = "paper"
    METHODS = [(ONLINE, "Online"), (PAPER, "Paper form")]

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT,
                               related_name="acceptances")
    version = models.ForeignKey(PolicyVersion, on_delete=models.PROTECT, related_name="acceptances")
    decision = models.CharField(max_length=10, choices=DECISIONS)
    decided_at = models.DateTimeField(default=timezone.now)
    # Pupils accept again each school year (004 §3.1): the year this answer counts for.
    school_year_start = models.DateField(null=True, blank=True)
    method = models.CharField(max_length=10, choices=METHODS, default=ONLINE)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="+")
    scanned_form = models.FileField(upload_to="paper-signatures/%Y/", blank=True)
    scanned_form_sha256 = models.CharField(max_length=64, blank=True)
    # 002: parents sign together with their child.
    cosigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.PROTECT, related_name="cosigned_acceptances")
    cosigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["person", "version", "-decided_at"])]

    def __str__(self):
        return f"{self.person} {self.decision} {self.version}"

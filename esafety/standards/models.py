"""The DfE filtering and monitoring standards, kept as records: who is responsible, what is
blocked or allowed and why (with its history), the checks made, and the annual review with
its actions. Nothing here is ever deleted: a new reason or a new role holder is a new row."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from esafety.directory.models import Person, School

SLT = "slt"
GOVERNOR = "governor"
DSL = "dsl"
IT_PROVIDER = "it_provider"
ROLE_CHOICES = [
    (SLT, "Senior leadership team member responsible"),
    (GOVERNOR, "Governor responsible"),
    (DSL, "Designated safeguarding lead"),
    (IT_PROVIDER, "IT service provider"),
]


class ResponsibleRole(models.Model):
    """One holder of one of the DfE roles at a time; a change is a new row (history kept)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    role = models.CharField(max_length=16, choices=ROLE_CHOICES)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    # A named external provider (an IT company, the local authority's service).
    provider_name = models.CharField(max_length=200, blank=True)
    provider_contact = models.CharField(max_length=300, blank=True)
    recorded_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "-recorded_at", "-pk"]

    def __str__(self):
        return f"{self.get_role_display()}: {self.holder}"

    @property
    def holder(self) -> str:
        if self.person is not None:
            return self.person.display_name
        return self.provider_name or "nobody"


class FilteringDecision(models.Model):
    """Why a category is blocked or allowed for a group. The live answer comes from the
    filtering rules; each reason is a new row, so the register's history is kept. A row
    written by the system (no reason) marks a change of the live rule."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    group = models.CharField(max_length=16)
    category = models.CharField(max_length=64)
    category_label = models.CharField(max_length=120)
    # What the rules came to when this row was written (filtering's effective key).
    answer = models.CharField(max_length=120)
    answer_words = models.CharField(max_length=120)
    reason = models.TextField(blank=True)
    recorded_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-recorded_at", "-pk"]
        indexes = [models.Index(fields=["school", "group", "category", "recorded_at"])]

    def __str__(self):
        return f"{self.category_label} for {self.group}: {self.answer_words}"


AUTOMATIC = "automatic"
MANUAL = "manual"
MONITORING = "monitoring"
CHECK_KINDS = [
    (AUTOMATIC, "Filtering checked by esafety"),
    (MANUAL, "Filtering checked by staff"),
    (MONITORING, "Monitoring checked by staff"),
]


class Check(models.Model):
    """One check: when, who, what was tested, the result and what was done about it."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=CHECK_KINDS)
    at = models.DateTimeField(default=timezone.now)
    by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                           related_name="+")
    what_was_tested = models.TextField()
    passed = models.BooleanField()
    result = models.TextField()
    action_taken = models.TextField(blank=True)
    # Automatic checks: one line per test address and group (what was asked, what came back).
    cases = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} on {self.at:%d %b %Y}"

    @property
    def by_label(self) -> str:
        return self.by.display_name if self.by else "esafety"


class Review(models.Model):
    """The annual review of filtering and monitoring, with the governor (DfE: at least
    annually, from a safeguarding and an IT view)."""

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="+")
    held_on = models.DateField()
    governor = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    led_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="+")
    who_took_part = models.CharField(max_length=500, blank=True)
    findings = models.TextField()
    recorded_by = models.ForeignKey(Person, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"Review of {self.held_on:%d %b %Y}"


class ReviewAction(models.Model):
    review = models.ForeignKey(Review, on_delete=models.PROTECT, related_name="actions")
    what = models.CharField(max_length=500)
    owner = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="+")
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)
    done_note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["due_on", "pk"]

    def __str__(self):
        return self.what

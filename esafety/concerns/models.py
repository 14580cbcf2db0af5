"""A concern: one signal that someone may be at risk, waiting for the safeguarding lead.

Least intrusive: a concern keeps what raised it (the rule, the short excerpt the checker
quoted or the address requested, the clause and the advice), never a whole message.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from esafety.concerns import rules


class Concern(models.Model):
    school = models.ForeignKey("directory.School", on_delete=models.PROTECT,
                               related_name="concerns")
    reference = models.CharField(max_length=20, help_text="e.g. CON-2026-0007")
    source = models.CharField(max_length=24, choices=rules.SOURCE_CHOICES)
    # The person the concern is about; unknown when the filter saw only a name or an address
    # nobody in the school has (person_label then says what was seen).
    person = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.PROTECT, related_name="concerns_about")
    person_label = models.CharField(max_length=200, blank=True)
    raised_at = models.DateTimeField(default=timezone.now)
    last_seen_at = models.DateTimeField(default=timezone.now)
    occurrences = models.PositiveIntegerField(default=1)
    rule = models.CharField(max_length=80)
    rule_title = models.CharField(max_length=200)
    topic = models.CharField(max_length=16, choices=rules.TOPIC_CHOICES)
    severity = models.CharField(max_length=8, choices=rules.SEVERITY_CHOICES)
    urgent = models.BooleanField(default=False)
    excerpt = models.TextField(blank=True)
    url = models.TextField(blank=True)
    clauses = models.JSONField(default=list, blank=True)
    advice = models.TextField(blank=True)
    details = models.JSONField(default=dict, blank=True)
    # rule + person + excerpt: the same signal again within rules.REPEAT_WINDOW adds to
    # this concern's count instead of making a new row.
    repeat_key = models.CharField(max_length=64, db_index=True)
    state = models.CharField(max_length=20, choices=rules.STATE_CHOICES, default=rules.NEW)
    state_reason = models.TextField(blank=True)
    state_changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                         on_delete=models.PROTECT,
                                         related_name="concern_state_changes")
    state_changed_at = models.DateTimeField(null=True, blank=True)
    incident = models.ForeignKey("incidents.Incident", null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="concerns")
    evidence_sha256 = models.CharField(max_length=64, blank=True)
    # The urgent email: who it reached, or why it did not (never silent).
    emailed_to = models.JSONField(default=list, blank=True)
    email_failure = models.TextField(blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)
    digested_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        constraints = [models.UniqueConstraint(fields=["school", "reference"],
                                               name="concern_reference_unique_in_school")]
        indexes = [models.Index(fields=["school", "state", "urgent"]),
                   models.Index(fields=["school", "repeat_key", "last_seen_at"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.rule_title}"

    @property
    def is_open(self) -> bool:
        return self.state in rules.OPEN_STATES

    @property
    def needs_action(self) -> bool:
        """Urgent and nobody has acted yet: listed first."""
        return self.urgent and self.state == rules.NEW

    @property
    def source_label(self) -> str:
        return rules.SOURCE_LABELS.get(self.source, self.source)

    @property
    def topic_label(self) -> str:
        return rules.TOPIC_LABELS.get(self.topic, self.topic)

    @property
    def state_label(self) -> str:
        return rules.STATE_LABELS.get(self.state, self.state)

    @property
    def who(self) -> str:
        if self.person is not None:
            return self.person.display_name
        return f"Not known ({self.person_label})" if self.person_label else "Not known"

"""The school's retention schedule and each run of it (a dry run, then the purge)."""

from django.conf import settings
from django.db import models
from django.utils import timezone


class RetentionSetting(models.Model):
    """How long the school keeps one record type (registry.py), in days. No row: the
    type's default."""

    school = models.ForeignKey("directory.School", on_delete=models.CASCADE,
                               related_name="retention_settings")
    record_type = models.CharField(max_length=64)
    days = models.PositiveIntegerField()
    updated_at = models.DateTimeField(default=timezone.now)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["school", "record_type"],
                                               name="one_retention_setting_per_type")]

    def __str__(self):
        return f"{self.record_type}: {self.days} days"


class PurgeRun(models.Model):
    """One application of the schedule: first a dry run (what would go, counts per type,
    with the cutoffs fixed), which the head or the DSL confirms; the scheduled job then
    purges exactly those cutoffs and records what went."""

    PREPARED, CONFIRMED, DONE, CANCELLED = "prepared", "confirmed", "done", "cancelled"
    STATES = [(PREPARED, "Waiting for confirmation"), (CONFIRMED, "Confirmed, to be purged"),
              (DONE, "Purged"), (CANCELLED, "Cancelled")]

    school = models.ForeignKey("directory.School", on_delete=models.CASCADE,
                               related_name="purge_runs")
    state = models.CharField(max_length=16, choices=STATES, default=PREPARED)
    prepared_at = models.DateTimeField(default=timezone.now)
    prepared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    # {type name: {"days": n, "cutoff": iso, "count": n}}
    plan = models.JSONField(default=dict)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    # {type name: records purged}, and problems found on the way
    results = models.JSONField(default=dict, blank=True)
    problems = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ["-prepared_at", "-id"]

    def __str__(self):
        return f"Retention run {self.pk} ({self.state})"

    @property
    def total(self) -> int:
        return sum(int(item.get("count", 0)) for item in self.plan.values())

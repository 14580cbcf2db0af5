"""The scheduler's claims: which worker queued each turn of each scheduled job."""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class JobTurn(models.Model):
    """One turn of one scheduled job (esafety/web/jobs.py), claimed by the first scheduler to
    reach it. With several `esafety worker` processes scheduling (on the database queue or on
    Redis), the unique (job, period) lets only one of them queue that turn's tasks."""

    job = models.CharField(max_length=100)
    period = models.BigIntegerField(help_text="The turn: seconds since 1970 over the job's "
                                              "interval, rounded down")
    claimed_at = models.DateTimeField(default=timezone.now)
    claimed_by = models.CharField(max_length=100, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "period"],
                                               name="web_jobturn_once_per_period")]
        indexes = [models.Index(fields=["claimed_at"])]

    def __str__(self) -> str:
        return f"{self.job} turn {self.period}"

"""The append-only audit trail every app writes to.

Rows are only ever inserted. The model refuses updates and deletes, the queryset
refuses bulk ones, the admin offers neither, and database triggers (guards.py) refuse
them even to raw SQL through the app's connection. The rows form one hash chain keyed with
a secret outside the database (chain.py), so a change made behind those guards is found.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class AuditRowIsImmutable(Exception):
    pass


class AuditEventQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AuditRowIsImmutable("audit events cannot be changed")

    def delete(self):
        raise AuditRowIsImmutable("audit events cannot be deleted")

    def for_school(self, school):
        return self.filter(school=school)


class AuditEvent(models.Model):
    # Place in the chain (1, 2, 3...), the hash of the row before, and this row's own
    # HMAC-SHA256 with the chain key: set by chain.append(), never by hand.
    seq = models.PositiveBigIntegerField(unique=True, editable=False)
    at = models.DateTimeField(default=timezone.now, db_index=True)
    # No database-level foreign keys: the trail must outlive anything it mentions,
    # and must never be touched by a cascade.
    school = models.ForeignKey("directory.School", null=True, blank=True,
                               on_delete=models.DO_NOTHING, db_constraint=False,
                               related_name="+")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                              on_delete=models.DO_NOTHING, db_constraint=False,
                              related_name="+")
    actor_label = models.CharField(max_length=200, blank=True,
                                   help_text="Who, as they were named at the time")
    event_type = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    object_label = models.CharField(max_length=300, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    details = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64, editable=False)
    hash = models.CharField(max_length=64, editable=False)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["school", "-at"]),
                   models.Index(fields=["object_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.event_type} {self.object_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise AuditRowIsImmutable("audit events cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AuditRowIsImmutable("audit events cannot be deleted")

    @property
    def label(self) -> str:
        """What happened, in plain English ("Viewed a person's record")."""
        from esafety.audit.labels import event_label

        return event_label(self.event_type)

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field that differs."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class AuditChainHead(models.Model):
    """The end of the audit trail's chain: one row, which every append locks and moves on.

    Its seal (keyed like the chain) means that deleting the last events of the trail and
    moving the head back is found too. `rebuilt_at` is set if the row was ever missing while
    events existed (it is made again so the trail keeps working; verification says so).
    """

    seq = models.PositiveBigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    rebuilt_at = models.DateTimeField(null=True, blank=True)
    seal = models.CharField(max_length=64, blank=True)

    def __str__(self):
        return f"audit trail ends at {self.seq}"


class IntegrityCheck(models.Model):
    """One run of the history check for a school: its incidents' chains and the audit trail.

    The head and DSL are warned while the latest one failed; it runs daily and on demand.
    Sealed with the chain key, so an "all well" row inserted by hand is not believed.
    """

    DAILY = "daily"
    ON_DEMAND = "on_demand"
    COMMAND = "command"
    HOW_CHOICES = [(DAILY, "Daily check"), (ON_DEMAND, "Checked on request"),
                   (COMMAND, "esafety evidence verify")]

    school = models.ForeignKey("directory.School", on_delete=models.DO_NOTHING,
                               db_constraint=False, related_name="+")
    at = models.DateTimeField(default=timezone.now, db_index=True)
    how = models.CharField(max_length=16, choices=HOW_CHOICES)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.DO_NOTHING, db_constraint=False,
                                     related_name="+")
    ok = models.BooleanField()
    # [{"incident": pk or None, "reference": "INC-...", "text": "..."}]
    problems = models.JSONField(default=list, blank=True)
    incidents = models.PositiveIntegerField(default=0)
    incident_events = models.PositiveIntegerField(default=0)
    audit_events = models.PositiveBigIntegerField(default=0)
    seal = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["school", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {'ok' if self.ok else 'FAILED'} ({self.school_id})"

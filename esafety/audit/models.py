"""The append-only audit trail every app writes to.

Rows are only ever inserted. The model refuses updates and deletes, the queryset
refuses bulk ones, the admin offers neither, and database triggers (see the
migration) refuse them even to raw SQL through the app's connection.
"""

from django.conf import settings
from django.db import models


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
    at = models.DateTimeField(auto_now_add=True, db_index=True)
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
    def changes(self) -> list[tuple[str, object, object]]:
        """(field, before, after) for every field that differs."""
        before = self.before or {}
        after = self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]

from django.contrib import admin

from esafety.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail can be searched in the admin, never changed or deleted."""

    list_display = ["at", "school", "actor_label", "event_type", "object_label"]
    list_filter = ["event_type"]
    search_fields = ["object_label", "actor_label"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

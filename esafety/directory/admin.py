from django.contrib import admin

from esafety.audit.events import snapshot
from esafety.directory import events
from esafety.directory.actions import person_snapshot
from esafety.directory.models import Person, School, Trust


@admin.register(Trust)
class TrustAdmin(admin.ModelAdmin):
    pass


@admin.register(School)
class SchoolAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "trust"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        events.school_saved_in_admin(actor=request.user, school=obj, created=not change,
                                     after=snapshot(obj, list(form.changed_data)))

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    """For the service operator. People are never deleted (record leavers instead)."""

    list_display = ["username", "first_name", "last_name", "role", "school", "is_active"]
    list_filter = ["school", "role", "is_active"]
    search_fields = ["username", "first_name", "last_name", "email", "external_id"]
    exclude = ["password", "user_permissions", "groups"]

    def save_model(self, request, obj, form, change):
        before = person_snapshot(Person.objects.get(pk=obj.pk)) if change else None
        super().save_model(request, obj, form, change)
        events.person_saved_in_admin(actor=request.user, person=obj, created=not change,
                                     before=before, after=person_snapshot(obj))

    def has_delete_permission(self, request, obj=None):
        return False

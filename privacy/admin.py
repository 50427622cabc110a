from django.contrib import admin

from .models import AccessLogEntry, TrafficRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """Audit tables are read-only for everyone, superusers included."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLogEntry)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "actor_role", "action", "object_type", "complaint_id", "complainant_id")
    list_filter = ("action", "actor_role", "object_type")


@admin.register(TrafficRecord)
class TrafficAdmin(ReadOnlyAdmin):
    list_display = ("at", "ip_address", "method", "path", "status_code", "channel")
    list_filter = ("method", "channel")

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import Agency, Attachment, Category, Complaint, TimelineEvent, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (*BaseUserAdmin.fieldsets, ("Role", {"fields": ("role", "agency")}))
    list_display = ("username", "role", "agency", "is_active", "last_login")
    list_filter = ("role", "agency", "is_active")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "name_th", "sla_days", "allow_anonymous", "is_active")


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ("code", "name_en", "delivery_method", "failure_count", "last_error", "is_active")
    readonly_fields = ("failure_count", "last_error", "next_attempt_at")


class TimelineInline(admin.TabularInline):
    model = TimelineEvent
    extra = 0
    readonly_fields = ("kind", "is_public", "from_status", "to_status", "text", "actor", "created_at")
    can_delete = False


class AttachmentInline(admin.TabularInline):
    model = Attachment
    extra = 0
    readonly_fields = ("original_name", "content_type", "size", "sha256", "uploaded_at")
    exclude = ("file",)
    can_delete = False


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    """Case metadata only; personal data is read through the staff API, which logs each read."""

    list_display = ("reference", "channel", "category", "status", "priority", "received_at", "assigned_to")
    list_filter = ("status", "channel", "category")
    search_fields = ("reference",)
    fields = (
        "reference",
        "channel",
        "category",
        "status",
        "priority",
        "received_at",
        "sla_due_at",
        "assigned_to",
    )
    readonly_fields = ("reference", "channel", "category", "status", "received_at", "sla_due_at")
    inlines = [TimelineInline, AttachmentInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

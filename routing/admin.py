from django.contrib import admin

from .models import AgencyCredential, Referral, ReferralAttempt, RoutingRule


@admin.register(AgencyCredential)
class AgencyCredentialAdmin(admin.ModelAdmin):
    """Keys are issued with `manage.py agency_key issue <agency>` (shown once); here only revoked."""

    list_display = ("agency", "prefix", "label", "created_at", "revoked_at", "last_used_at")
    readonly_fields = ("agency", "prefix", "key_hash", "created_at", "last_used_at")

    def has_add_permission(self, request):
        return False


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ("category", "agency", "keywords", "province", "priority", "purpose", "is_active")


class AttemptInline(admin.TabularInline):
    model = ReferralAttempt
    extra = 0
    can_delete = False
    readonly_fields = ("kind", "at", "ok", "status_code", "error", "payload_sha256", "actor")


@admin.register(Referral)
class ReferralAdmin(admin.ModelAdmin):
    list_display = ("delivery_id", "complaint", "agency", "basis", "state", "attempts", "created_at")
    list_filter = ("state", "agency", "basis")
    readonly_fields = [f.name for f in Referral._meta.fields]
    inlines = [AttemptInline]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

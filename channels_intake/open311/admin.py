from django.contrib import admin, messages
from django.utils.translation import gettext_lazy as _

from .keys import partner_key_issue, partner_key_revoke
from .models import PartnerApp, PartnerAppKey


class PartnerAppKeyInline(admin.TabularInline):
    model = PartnerAppKey
    extra = 0
    can_delete = False
    fields = ("prefix", "label", "created_at", "last_used_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False  # keys are issued by the action, which shows the key once


@admin.register(PartnerApp)
class PartnerAppAdmin(admin.ModelAdmin):
    list_display = ("name", "is_active", "created_at")
    inlines = [PartnerAppKeyInline]
    actions = ["issue_key"]

    @admin.action(description=_("Issue a new key (shown once)"))
    def issue_key(self, request, queryset):
        for app in queryset:
            _key, raw = partner_key_issue(app=app, label=f"issued by {request.user.get_username()}")
            self.message_user(
                request, f"{app.name}: {raw}  (shown once; give it to the app's operator)", messages.WARNING
            )


@admin.register(PartnerAppKey)
class PartnerAppKeyAdmin(admin.ModelAdmin):
    list_display = ("prefix", "app", "label", "created_at", "last_used_at", "revoked_at")
    list_filter = ("app",)
    readonly_fields = ("app", "prefix", "key_hash", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("Revoke the selected keys"))
    def revoke(self, request, queryset):
        done = sum(partner_key_revoke(key=key) for key in queryset)
        self.message_user(request, f"{done} key(s) revoked.")

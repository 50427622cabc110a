from django.contrib import admin

from privacy.admin import ReadOnlyAdmin

from .models import (
    BreachRecord,
    CookiePreference,
    DataSubjectRequest,
    LegalHold,
    PolicyNotice,
    PolicyVersion,
    ProcessingActivity,
    PurgeRun,
    RequestEvidence,
)


class EvidenceInline(admin.TabularInline):
    model = RequestEvidence
    extra = 0
    can_delete = False
    readonly_fields = ("at", "kind", "actor", "summary", "data")

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(DataSubjectRequest)
class DataSubjectRequestAdmin(ReadOnlyAdmin):
    """Decided through the privacy API/desk (services keep the evidence); read-only here."""

    list_display = ("public_id", "type", "status", "via", "received_at", "due_at", "refusal_ground")
    list_filter = ("type", "status", "via")
    exclude = ("details",)
    inlines = [EvidenceInline]


@admin.register(LegalHold)
class LegalHoldAdmin(ReadOnlyAdmin):
    list_display = (
        "order_reference",
        "scope",
        "issuing_authority",
        "recorded_at",
        "expires_at",
        "released_at",
    )


@admin.register(PurgeRun)
class PurgeRunAdmin(ReadOnlyAdmin):
    list_display = ("data_class", "started_at", "rows_purged", "rows_held", "batches")


@admin.register(CookiePreference)
class CookiePreferenceAdmin(ReadOnlyAdmin):
    list_display = ("browser_id", "statistics", "decided_at", "policy_version")


@admin.register(PolicyNotice)
class PolicyNoticeAdmin(ReadOnlyAdmin):
    list_display = ("policy", "published_at")


@admin.register(PolicyVersion)
class PolicyVersionAdmin(admin.ModelAdmin):
    list_display = ("version", "effective_at", "published_at")

    def get_readonly_fields(self, request, obj=None):
        # A published version is a record of what citizens were told: it never changes.
        if obj and obj.published_at:
            return [f.name for f in PolicyVersion._meta.fields]
        return ["published_at"]


@admin.register(ProcessingActivity)
class ProcessingActivityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "legal_basis", "retention")


@admin.register(BreachRecord)
class BreachRecordAdmin(admin.ModelAdmin):
    list_display = ("detected_at", "notify_by", "people_affected", "regulator_notified_at")
    readonly_fields = ("notify_by", "recorded_by", "created_at")

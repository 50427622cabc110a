from django.contrib import admin

from .models import AccessLogEntry, Processor, TrafficRecord


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


from .models import Consent, DataSharingAgreement, LegalOrder, TransferRecord, TransferSeal  # noqa: E402


@admin.register(TransferRecord)
class TransferRecordAdmin(ReadOnlyAdmin):
    list_display = (
        "seq",
        "at",
        "kind",
        "recipient",
        "complaint_reference",
        "basis",
        "purpose",
        "delivery_id",
    )
    list_filter = ("kind", "basis", "recipient")


@admin.register(TransferSeal)
class TransferSealAdmin(ReadOnlyAdmin):
    list_display = ("sealed_at", "head_seq", "head_hash")


@admin.register(DataSharingAgreement)
class DataSharingAgreementAdmin(admin.ModelAdmin):
    """Managed by administrators; every change is an audit entry (django-auditlog)."""

    list_display = ("title", "agency", "legal_reference", "valid_from", "valid_until", "is_active")
    filter_horizontal = ("categories",)


@admin.register(Consent)
class ConsentAdmin(ReadOnlyAdmin):
    list_display = ("id", "agency", "channel", "given_at", "withdrawn_at")


@admin.register(LegalOrder)
class LegalOrderAdmin(ReadOnlyAdmin):
    list_display = ("reference", "issuing_authority", "issued_on", "agency", "recorded_at")


@admin.register(Processor)
class ProcessorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "contract_reference", "valid_from", "valid_to")
    search_fields = ("code", "name", "contract_reference")

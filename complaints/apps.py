from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Complaints"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Agency, Category, Complainant, Complaint

        auditlog.register(
            Complainant,
            mask_fields=["name", "phone", "email", "address", "national_id"],
            exclude_fields=["complaint"],  # the reverse one-to-one: reading it costs a query
        )
        auditlog.register(
            Complaint,
            exclude_fields=["tracking_code_hash", "updated_at"],
            mask_fields=["description", "other_party_account", "other_party_phone", "incident_url"],
        )
        auditlog.register(Category)
        auditlog.register(Agency, exclude_fields=["webhook_secret", "failure_count", "last_error", "next_attempt_at"])

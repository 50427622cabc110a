from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "complaints"
    verbose_name = "Complaints"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Agency, Category, Complainant, Complaint

        def concrete(model, skip=()):
            # Only the model's own columns: reverse one-to-one relations (complaint, fax, reply
            # token, policy at intake) would each cost a query on every save.
            return [f.name for f in model._meta.concrete_fields if f.name not in skip]

        auditlog.register(
            Complainant,
            include_fields=concrete(Complainant),
            mask_fields=["name", "phone", "email", "address", "national_id"],
        )
        auditlog.register(
            Complaint,
            include_fields=concrete(
                Complaint, skip=("tracking_code_hash", "updated_at", "acknowledgement_due")
            ),
            mask_fields=["description", "other_party_account", "other_party_phone", "incident_url"],
        )
        auditlog.register(Category)
        auditlog.register(
            Agency, exclude_fields=["webhook_secret", "failure_count", "last_error", "next_attempt_at"]
        )

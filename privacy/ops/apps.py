from django.apps import AppConfig


class PrivacyOpsConfig(AppConfig):
    """The privacy officer's operations: data-subject requests, retention and legal holds,
    cookie preferences, policy versions, record of processing, breach register."""

    name = "privacy.ops"
    label = "privacy_ops"
    verbose_name = "Privacy operations"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import BreachRecord, LegalHold, PolicyVersion, ProcessingActivity

        auditlog.register(LegalHold)
        auditlog.register(PolicyVersion, exclude_fields=["body_th", "body_en"])
        auditlog.register(BreachRecord)
        auditlog.register(ProcessingActivity)

        # complaints sits below privacy.ops and never imports it: it calls us back at intake.
        from complaints.hooks import on_complaint_registered

        from .services.policy import policy_record_for_complaint

        on_complaint_registered(policy_record_for_complaint)

from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "privacy"
    verbose_name = "Privacy"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from .models import Consent, DataSharingAgreement, LegalOrder

        auditlog.register(DataSharingAgreement, m2m_fields={"categories"})
        auditlog.register(Consent, exclude_fields=["statement"])
        auditlog.register(LegalOrder)

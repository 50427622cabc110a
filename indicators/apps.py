from django.apps import AppConfig


class IndicatorsConfig(AppConfig):
    name = "indicators"
    verbose_name = "Fraud indicators"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from complaints import hooks

        from .models import ComplaintLink, Indicator
        from .services import indicators_extract_for

        # Every channel's intake, fax transcription and agent edits of the incident facts.
        hooks.on_incident_facts(indicators_extract_for)
        # Who marked an indicator disputed/cleared and why; every link, merge and undo. The value
        # itself is masked (it may be a mule account holder's, who can be a victim too).
        auditlog.register(
            Indicator, include_fields=["state", "state_reason", "state_changed_by"], mask_fields=[]
        )
        auditlog.register(ComplaintLink)

from django.apps import AppConfig


class TelephonyChannelConfig(AppConfig):
    name = "channels_intake.telephony"
    label = "intake_telephony"
    verbose_name = "Telephone and fax channels"

    def ready(self) -> None:
        from auditlog.registry import auditlog

        from privacy.ops.services.erasure import complaint_eraser

        from . import exports, processors  # noqa: F401 - register the export sections and inbound processors
        from .models import AgentExtension, Call, Fax, Recording
        from .services import complaint_telephony_erase

        complaint_eraser(complaint_telephony_erase)  # call and fax numbers, fax page images

        auditlog.register(Call, mask_fields=["caller_number"], exclude_fields=["created_at"])
        auditlog.register(
            Fax,
            mask_fields=["sender_number", "receiving_line"],
            exclude_fields=["created_at", "previews", "previews_error"],
        )
        auditlog.register(Recording, exclude_fields=["created_at"])
        auditlog.register(AgentExtension)

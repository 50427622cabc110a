from django.apps import AppConfig


class TelephonyChannelConfig(AppConfig):
    name = "channels_intake.telephony"
    label = "intake_telephony"
    verbose_name = "Telephone and fax channels"

    def ready(self) -> None:
        from privacy.ops.services.export import export_section

        from . import processors  # noqa: F401 - registers the pbx_recording and fax processors
        from .models import Recording

        @export_section("recordings")
        def recordings(complaint_ids: list[int]) -> list[dict]:
            from django.db.models import Q

            return [
                {"codec": r.codec, "duration_seconds": r.duration_seconds, "created_at": r.created_at.isoformat(),
                 "sha256": r.sha256}
                for r in Recording.objects.filter(Q(complaint_id__in=complaint_ids)
                                                  | Q(call__complaint_id__in=complaint_ids)).order_by("id")
            ]

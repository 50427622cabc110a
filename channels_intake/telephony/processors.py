"""Machine input of the telephone system and the fax gateway, kept raw before it is processed;
a corrupt or mislabelled file is quarantined with the reason and can be reprocessed."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime

from complaints.models import Channel

from ..models import InboundItem
from ..registry import processor
from ..services import Processed, Quarantine
from .media import MediaRejected
from .models import Call, Recording
from .services import fax_register, recording_store


@processor("pbx_recording")
def process_pbx_recording(item: InboundItem) -> Processed:
    meta = item.metadata
    call, _ = Call.objects.get_or_create(call_id=meta["call_id"])
    with item.raw.open("rb") as fh:
        try:
            rec, _ = recording_store(fileobj=fh, filename=meta.get("filename", "recording"),
                                     source=Recording.Source.PBX, call=call)
        except MediaRejected as exc:
            raise Quarantine(f"{exc.filename} {exc.reason}") from exc
    return Processed(complaint=call.complaint, note=f"recording {rec.pk}")


@processor("fax")
def process_fax(item: InboundItem) -> Processed:
    meta = item.metadata
    with item.raw.open("rb") as fh:
        try:
            complaint = fax_register(
                fileobj=fh, filename=meta.get("filename", "fax"), sender_number=meta.get("sender_number", ""),
                receiving_line=meta.get("receiving_line", ""), page_count=meta.get("page_count"),
                received_at=parse_datetime(meta["received_at"]) if meta.get("received_at") else None,
                source="fax-gateway", dedup_key=f"fax-gateway:{item.sha256}",
            )
        except MediaRejected as exc:
            raise Quarantine(f"{exc.filename} {exc.reason}") from exc
    return Processed(complaint=complaint, note="fax")


CHANNEL_OF = {"pbx_recording": Channel.PHONE, "fax": Channel.FAX}

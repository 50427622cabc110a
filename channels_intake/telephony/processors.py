"""Processors of the telephone system's and the fax gateway's raw input (registered by kind in
``TelephonyChannelConfig.ready``). The raw input is already stored; a processor parses it once, and
whatever it cannot take raises Quarantine (MediaRejected is one) with the reason, so the raw input
stays in quarantine and ``manage.py reprocess_inbound`` can run it again after a fix."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import InboundItem
from ..registry import processor
from ..services import Processed, Quarantine
from .models import Call, Recording
from .services import cti_event_apply, cti_event_parse, fax_register, recording_add


@processor("cti_event")
def process_cti_event(item: InboundItem) -> Processed:
    with item.raw.open("rb") as fh:
        raw = fh.read()
    event = cti_event_parse(raw)
    call, applied = cti_event_apply(event=event, inbound_item=item)
    item.metadata = {**item.metadata, "call_id": call.call_id, "event": event.event, "applied": applied}
    return Processed(
        complaint=call.complaint,
        note=f"{event.event} applied to call {call.pk}" if applied else f"{event.event}: already applied",
    )


@processor("pbx_recording")
def process_pbx_recording(item: InboundItem) -> Processed:
    meta = item.metadata
    call_id = str(meta.get("call_id") or "").strip()
    if not call_id:
        raise Quarantine("no call id came with the recording")
    # A recording may arrive before the call's events: the call record starts from it.
    call, _ = Call.objects.get_or_create(call_id=call_id)
    with item.raw.open("rb") as fh:
        recording, created = recording_add(
            fileobj=fh,
            filename=meta.get("filename") or "recording",
            declared_type=meta.get("content_type", ""),
            source=Recording.Source.PBX,
            call=call,
            inbound_item=item,
        )
    return Processed(
        complaint=call.complaint, note=f"recording {recording.pk}" + ("" if created else " (existing)")
    )


def _gateway_fields(meta: dict) -> tuple[int | None, datetime | None]:
    """The fax gateway's form fields, validated here so that a fax with bad metadata is still kept."""
    pages_raw = str(meta.get("page_count") or "").strip()
    if pages_raw and not pages_raw.isdigit():
        raise Quarantine("page_count: not a whole number of pages")
    received_raw = str(meta.get("received_at") or "").strip()
    received = None
    if received_raw:
        try:
            received = parse_datetime(received_raw)
        except ValueError:
            received = None
        if received is None:
            raise Quarantine("received_at: not an ISO 8601 date and time (e.g. 2026-11-23T09:00:00+07:00)")
        if timezone.is_naive(received):
            received = timezone.make_aware(received)
    return (int(pages_raw) if pages_raw else None), received


@processor("fax")
def process_fax(item: InboundItem) -> Processed:
    meta = item.metadata
    page_count, received_at = _gateway_fields(meta)
    with item.raw.open("rb") as fh:
        complaint = fax_register(
            fileobj=fh,
            filename=meta.get("filename") or "fax",
            sender_number=meta.get("sender_number", ""),
            receiving_line=meta.get("receiving_line", ""),
            page_count=page_count,
            received_at=received_at,
            source="fax-gateway",
            dedup_key=f"fax-gateway:{meta['fax_id']}" if meta.get("fax_id") else None,
            inbound_item=item,
        )
    return Processed(complaint=complaint, note="fax")

"""Phone and fax intake, call events, recordings. Every complaint goes through complaint_register."""

from __future__ import annotations

from datetime import datetime
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from complaints.models import Category, Channel, Complaint, Role, TimelineEvent
from complaints.services import complaint_register, sla_due
from privacy.minimum_data import normalise_phone

from .media import MediaRejected, audio_inspect, fax_inspect, hash_stream
from .models import Call, CallEvent, Fax, Recording

AGENT_ROLES = (Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR)


def _require_agent(actor) -> None:
    if getattr(actor, "role", None) not in AGENT_ROLES:
        raise PermissionError("Only centre agents, supervisors and administrators take phone complaints.")


def _e164_or_blank(number: str) -> str:
    try:
        return normalise_phone(number) if number else ""
    except ValidationError:
        return ""


# --- calls (CTI) -----------------------------------------------------------------------------------

def cti_event_record(*, call_id: str, event: str, occurred_at: datetime, caller_number: str = "",
                     called_line: str = "", agent_extension: str = "") -> tuple[Call, bool]:
    """Record a PBX event. The same (call id, event type) twice changes nothing."""
    if event not in CallEvent.Type.values:
        raise ValidationError({"event": [f"Unknown event '{event}'; use started, answered or ended."]})
    if not call_id.strip():
        raise ValidationError({"call_id": ["A call id is required."]})
    with transaction.atomic():
        call, _ = Call.objects.select_for_update().get_or_create(call_id=call_id.strip())
        if CallEvent.objects.filter(call=call, type=event).exists():
            return call, False
        CallEvent.objects.create(call=call, type=event, occurred_at=occurred_at)
        changed = []
        if caller_number and not call.caller_number:
            call.caller_number = _e164_or_blank(caller_number)
            changed.append("caller_number")
        for field, value in (("called_line", called_line), ("agent_extension", agent_extension)):
            if value and not getattr(call, field):
                setattr(call, field, value[:40])
                changed.append(field)
        stamp = {"started": "started_at", "answered": "answered_at", "ended": "ended_at"}[event]
        setattr(call, stamp, occurred_at)
        call.save(update_fields=[*changed, stamp])
    return call, True


def phone_complaint_register(*, actor, caller_number: str, category: Category, description: str,
                             name: str = "", email: str = "", address: str = "", call: Call | None = None,
                             incident=None) -> Any:
    """An agent files what the caller says. The caller's number is the contact (OCC-5)."""
    _require_agent(actor)
    if not caller_number:
        raise ValidationError({"caller_number": ["The caller's number is the contact of a phone complaint."]})
    identity = {"phone": caller_number}
    for key, value in (("name", name), ("email", email), ("address", address)):
        if value:
            identity[key] = value
    with transaction.atomic():
        registered = complaint_register(channel=Channel.PHONE, category=category, description=description,
                                        identity=identity, actor=actor, incident=incident)
        if call is not None:
            call_link(actor=actor, call=call, complaint=registered.complaint)
    return registered


def call_link(*, actor, call: Call, complaint: Complaint) -> Call:
    _require_agent(actor)
    with transaction.atomic():
        call = Call.objects.select_for_update().get(pk=call.pk)
        if call.complaint_id and call.complaint_id != complaint.pk:
            raise ValidationError({"call": [f"This call is already linked to {call.complaint.reference}."]})
        call.complaint = complaint
        call.linked_by = actor
        call.save(update_fields=["complaint", "linked_by"])
        TimelineEvent.objects.create(complaint=complaint, kind=TimelineEvent.Kind.CALL, is_public=False,
                                     text=f"call {call.call_id} linked", actor=actor)
    return call


# --- recordings ------------------------------------------------------------------------------------

def recording_store(*, fileobj: IO[bytes], filename: str, source: str, complaint: Complaint | None = None,
                    call: Call | None = None, uploaded_by=None) -> tuple[Recording, bool]:
    """Check by content, hash, store (never overwriting), record. The same file for the same call
    twice is one recording. Raises MediaRejected naming what is wrong."""
    hashed = hash_stream(fileobj, limit=settings.OCC_RECORDING_MAX_BYTES, name=filename)
    if call is not None:
        existing = Recording.objects.filter(call=call, sha256=hashed.sha256).first()
        if existing:
            return existing, False
    info = audio_inspect(fileobj, name=filename, size=hashed.size)
    name = f"recordings/{hashed.sha256[:2]}/{hashed.sha256}"
    written = False
    if not default_storage.exists(name):
        default_storage.save(name, File(fileobj, name=hashed.sha256))
        written = True
    if complaint is None and call is not None:
        complaint = call.complaint
    try:
        with transaction.atomic():
            rec = Recording.objects.create(
                complaint=complaint, call=call, file=name, original_name=filename[:255], content_type=info.content_type,
                codec=info.codec, duration_seconds=round(info.duration, 3), sample_rate=info.sample_rate,
                channels=info.channels, size=hashed.size, sha256=hashed.sha256, source=source, uploaded_by=uploaded_by)
            if complaint is not None:
                TimelineEvent.objects.create(complaint=complaint, kind=TimelineEvent.Kind.EVIDENCE, is_public=False,
                                             text=f"call recording added ({info.codec}, {info.duration:.0f} s)",
                                             actor=uploaded_by)
    except IntegrityError:
        if written and not Recording.objects.filter(file=name).exists():
            default_storage.delete(name)
        return Recording.objects.get(call=call, sha256=hashed.sha256), False
    return rec, True


# --- fax -------------------------------------------------------------------------------------------

def fax_register(*, fileobj: IO[bytes], filename: str, sender_number: str, receiving_line: str,
                 page_count: int | None = None, received_at: datetime | None = None,
                 source: str = "fax-gateway", dedup_key: str | None = None) -> Complaint:
    """A fax becomes a complaint waiting for transcription, with the file as evidence and the
    sender's number as contact. Page previews are rendered after commit."""
    hashed = hash_stream(fileobj, limit=settings.OCC_FAX_MAX_BYTES, name=filename)
    key = (dedup_key or f"{source}:{hashed.sha256}")[:200]
    existing = Fax.objects.filter(dedup_key=key).select_related("complaint").first()
    if existing:
        return existing.complaint
    info = fax_inspect(fileobj, name=filename)
    if page_count is not None and page_count != info.pages:
        raise MediaRejected(filename, f"has {info.pages} pages but the gateway announced {page_count}")
    name = f"fax/{hashed.sha256[:2]}/{hashed.sha256}"
    if not default_storage.exists(name):
        default_storage.save(name, File(fileobj, name=hashed.sha256))
    number = _e164_or_blank(sender_number)
    received_at = received_at or timezone.now()
    with transaction.atomic():
        registered = complaint_register(
            channel=Channel.FAX, category=None,
            description=f"โทรสาร {info.pages} หน้า รอถอดความ / Fax of {info.pages} page(s) awaiting transcription",
            identity={"phone": number} if number else {}, anonymous=not number, received_at=received_at,
        )
        fax = Fax.objects.create(
            complaint=registered.complaint, file=name, original_name=filename[:255], content_type=info.content_type,
            size=hashed.size, sha256=hashed.sha256, pages=info.pages, compression=info.compression,
            sender_number=number, receiving_line=receiving_line[:40], received_at=received_at, source=source[:100],
            dedup_key=key,
        )
        from .tasks import fax_previews

        transaction.on_commit(lambda: fax_previews.delay(fax.pk))
    return registered.complaint


def fax_previews_render(*, fax_id: int) -> int:
    """Render a PNG per page, once (idempotent by page number)."""
    from django.core.files.base import ContentFile

    from .media import fax_pages_png
    from .models import FaxPage

    fax = Fax.objects.get(pk=fax_id)
    done = set(fax.page_previews.values_list("number", flat=True))
    if len(done) >= fax.pages:
        return 0
    made = 0
    with default_storage.open(fax.file.name, "rb") as fh:
        for number, png, width, height in fax_pages_png(fh, content_type=fax.content_type,
                                                        width=settings.OCC_FAX_PREVIEW_WIDTH):
            if number in done:
                continue
            name = default_storage.save(f"fax-previews/{fax.sha256[:2]}/{fax.sha256}-{number}.png", ContentFile(png))
            try:
                with transaction.atomic():
                    FaxPage.objects.create(fax=fax, number=number, preview=name, width=width, height=height)
                made += 1
            except IntegrityError:
                default_storage.delete(name)
    return made


def fax_transcribe(*, actor, fax: Fax, category: Category, description: str) -> Complaint:
    """The agent reads the fax and sets category and description; the case then follows its lifecycle."""
    _require_agent(actor)
    if not description.strip():
        raise ValidationError({"description": ["Write what the fax says."]})
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update(of=("self",)).get(pk=fax.complaint_id)
        complaint.category = category
        complaint.description = description.strip()
        complaint.sla_due_at = sla_due(category=category, received_at=complaint.received_at)
        complaint.priority = category.default_priority
        complaint.save(update_fields=["category", "description", "sla_due_at", "priority", "updated_at"])
        Fax.objects.filter(pk=fax.pk).update(transcribed_at=timezone.now(), transcribed_by=actor)
        TimelineEvent.objects.create(complaint=complaint, kind=TimelineEvent.Kind.TRANSCRIBED, is_public=False,
                                     text="fax transcribed", actor=actor)
        TimelineEvent.objects.create(complaint=complaint, kind=TimelineEvent.Kind.CATEGORY, is_public=False,
                                     text=category.code, actor=actor)
    return complaint

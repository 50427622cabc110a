"""Faxes into the triage queue (OCC-2, OCC-5, OCC-14: fax 02-127-5789).

Each fax becomes a complaint with channel ``fax`` and no category, the fax file attached as
evidence, the sender's number as the contact; its ``Fax`` row says it needs transcription until an
agent transcribes it. PNG previews of each page are made after commit by a task."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from typing import IO

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy

from channels_intake.models import InboundItem
from channels_intake.services import dedup_digest
from complaints import hooks
from complaints.models import Category, Channel, Complaint, TimelineEvent
from complaints.services.events import timeline_add
from complaints.services.evidence import CheckedFile
from complaints.services.identity import EDITABLE, complainant_identity_change
from complaints.services.intake import Incident, complaint_register, sla_due
from occ import outbox
from occ.blobstore import blob_discard, blob_open, blob_put
from occ.errors import DomainError

from ..media import MediaRejected, fax_inspect, fax_pages_png, hash_stream, safe_name
from ..models import Call, Fax, FaxPage
from .common import e164_or_blank, require_agent

log = logging.getLogger(__name__)
IDENTITY_EDITABLE = EDITABLE
PREVIEW_PREFIX = "fax-previews"


class FaxAlreadyTranscribed(DomainError, ValidationError):  # type: ignore[misc]  # params: a dict in both
    """A fax transcribed before (409 ``already_transcribed``). A ValidationError too, so form
    views that show validation messages show this one too."""

    code = "already_transcribed"
    status_code = 409
    message = gettext_lazy(
        "This fax was already transcribed on %(at)s UTC; change the case through its own endpoints."
    )

    def __init__(self, at):
        DomainError.__init__(self, at=f"{at:%Y-%m-%d %H:%M}")
        ValidationError.__init__(self, self.message, code=self.code, params=self.params)


def _placeholder(pages: int) -> str:
    return (
        f"โทรสาร {pages} หน้า รอเจ้าหน้าที่ถอดความ / Fax of {pages} page(s) waiting for an agent to transcribe it"
    )


def _existing(key: str, sha256: str) -> Fax | None:
    return (
        Fax.objects.filter(dedup_key=key).select_related("complaint").first()
        or Fax.objects.filter(sha256=sha256).select_related("complaint").order_by("id").first()
    )


def fax_register(
    *,
    fileobj: IO[bytes],
    filename: str,
    sender_number: str,
    receiving_line: str,
    page_count: int | None = None,
    received_at: datetime | None = None,
    source: str = "fax-to-email",
    dedup_key: str | None = None,
    inbound_item: InboundItem | None = None,
) -> Complaint:
    """Register one received fax and return its complaint. Idempotent: the same fax again (the
    same ``dedup_key``, e.g. the gateway's fax id, or the same bytes by any path) returns the
    complaint it already became. Raises MediaRejected (a Quarantine) naming what is wrong with the
    file; then nothing is stored."""
    name = safe_name(filename, "fax")
    hashed = hash_stream(fileobj, limit=settings.OCC_FAX_MAX_BYTES, name=name)
    # A gateway's fax id is kept as it is when it fits; a longer one is stored as its hash (never cut:
    # two ids sharing a prefix must stay two faxes).
    key = dedup_key if dedup_key and len(dedup_key) <= 120 else None
    key = key or (dedup_digest(dedup_key) if dedup_key else f"sha256:{hashed.sha256}")
    found = _existing(key, hashed.sha256)
    if found is not None:
        return found.complaint
    info = fax_inspect(fileobj, name=name, size=hashed.size)
    if page_count is not None and page_count != info.pages:
        raise MediaRejected(
            name,
            f"has {info.pages} page(s) but the sender announced {page_count} (an incomplete transmission?)",
        )
    number = e164_or_blank(sender_number)
    received_at = received_at or timezone.now()
    evidence = CheckedFile(File(fileobj, name=name), name, info.content_type, hashed.size, hashed.sha256)
    try:
        with transaction.atomic():
            registered = complaint_register(
                channel=Channel.FAX,
                category=None,
                description=_placeholder(info.pages),
                identity={"phone": number} if number else {},
                anonymous=not number,
                files=[evidence],
                received_at=received_at,
            )
            complaint = registered.complaint
            fax = Fax.objects.create(
                complaint=complaint,
                attachment=complaint.attachments.order_by("id").first(),
                original_name=name,
                content_type=info.content_type,
                size=hashed.size,
                sha256=hashed.sha256,
                pages=info.pages,
                compression=info.compression,
                sender_number=number,
                receiving_line=(receiving_line or "")[:100],
                received_at=received_at,
                source=(source or "")[:100],
                dedup_key=key,
                inbound_item=inbound_item,
            )
            outbox.enqueue("channels_intake.telephony.tasks.fax_previews", fax.pk)
    except IntegrityError:
        found = _existing(key, hashed.sha256)  # the same fax, registered by a concurrent delivery
        if found is None:
            raise
        return found.complaint
    return complaint


def fax_previews_due(now=None) -> list[int]:
    """Faxes whose previews were never made (the task could not be queued, or its worker died):
    still pending ten minutes after the file was stored."""
    now = now or timezone.now()
    return list(
        Fax.objects.filter(
            previews=Fax.Previews.PENDING, attachment__uploaded_at__lt=now - timedelta(minutes=10)
        ).values_list("id", flat=True)[:200]
    )


def fax_previews_render(*, fax_id: int) -> int:
    """Render a PNG preview per page, once. Returns how many pages this run rendered; a second
    run renders nothing. A page that cannot be rendered marks the fax's previews as failed (agents
    see the reason and still have the original file)."""
    fax = Fax.objects.select_related("attachment").get(pk=fax_id)
    done = set(fax.page_previews.values_list("number", flat=True))
    if fax.previews == Fax.Previews.READY and len(done) >= fax.pages:
        return 0
    if fax.attachment is None:
        Fax.objects.filter(pk=fax.pk).update(
            previews=Fax.Previews.FAILED, previews_error="the fax file is no longer held"
        )
        return 0
    made = 0
    with blob_open(fax.attachment.file.name) as fh:  # OSError here: retried by the task
        try:
            for number, png, width, height in fax_pages_png(
                fh, content_type=fax.content_type, width=settings.OCC_FAX_PREVIEW_WIDTH
            ):
                if number in done:
                    continue
                blob = blob_put(io.BytesIO(png), prefix=PREVIEW_PREFIX, suffix=".png")
                _, created = FaxPage.objects.get_or_create(
                    fax=fax, number=number, defaults={"preview": blob.name, "width": width, "height": height}
                )
                made += int(created)
        except Exception as exc:  # noqa: BLE001 - a page the renderer cannot read must not loop forever
            log.warning("fax %s: previews failed (%s)", fax.pk, type(exc).__name__)
            Fax.objects.filter(pk=fax.pk).update(
                previews=Fax.Previews.FAILED, previews_error=f"{type(exc).__name__}: {exc}"[:500]
            )
            return made
    Fax.objects.filter(pk=fax.pk).update(previews=Fax.Previews.READY, previews_error="")
    return made


def fax_transcribe(
    *,
    actor,
    fax: Fax,
    category: Category,
    description: str,
    identity: dict[str, str] | None = None,
    incident: Incident | None = None,
) -> Complaint:
    """The agent reads the fax and sets category and description (and, from the paper, any
    contact details it gives). Records TRANSCRIBED and CATEGORY timeline events; the case then
    follows its normal lifecycle. A fax is transcribed once (FaxAlreadyTranscribed)."""
    require_agent(actor)
    if not description or not description.strip():
        raise ValidationError({"description": ["Write what the fax says."]})
    given = {
        k: (v or "").strip()
        for k, v in (identity or {}).items()
        if k in IDENTITY_EDITABLE and (v or "").strip()
    }
    with transaction.atomic():
        locked = Fax.objects.select_for_update().get(pk=fax.pk)
        if locked.transcribed_at is not None:
            raise FaxAlreadyTranscribed(locked.transcribed_at)
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("complainant")
            .get(pk=locked.complaint_id)
        )
        complainant_identity_change(
            complaint=complaint, changes=given, category=category, actor=actor, reason="fax transcription"
        )
        complaint.category = category
        complaint.description = description.strip()
        complaint.sla_due_at = sla_due(category=category, received_at=complaint.received_at)
        complaint.priority = category.default_priority
        changed = ["category", "description", "sla_due_at", "priority", "updated_at"]
        if incident is not None:
            complaint.incident_url = incident.url
            complaint.incident_at = incident.occurred_at
            complaint.amount_lost = incident.amount_lost
            complaint.other_party_account = incident.other_party_account
            complaint.other_party_phone = incident.other_party_phone
            changed += [
                "incident_url",
                "incident_at",
                "amount_lost",
                "other_party_account",
                "other_party_phone",
            ]
        complaint.save(update_fields=changed)
        locked.transcribed_at = timezone.now()
        locked.transcribed_by = actor
        locked.save(update_fields=["transcribed_at", "transcribed_by"])
        added = f"; contact details from the fax: {', '.join(sorted(given))}" if given else ""
        timeline_add(
            complaint=complaint,
            kind=TimelineEvent.Kind.TRANSCRIBED,
            is_public=False,
            text=f"fax of {locked.pages} page(s) transcribed{added}",
            actor=actor,
        )
        timeline_add(
            complaint=complaint,
            kind=TimelineEvent.Kind.CATEGORY,
            is_public=False,
            text=category.code,
            actor=actor,
        )
        hooks.incident_facts_changed(complaint)  # the transcribed facts are read for indicators
    return complaint


def complaint_telephony_erase(*, complaint: Complaint) -> dict[str, int]:
    """What this channel holds about a person beyond the complaint's own fields, removed when the
    complaint is anonymised (PDPA s.33): the numbers of its calls and fax, and the fax's page
    previews (images of the paper). The fax file itself is the case's attachment and goes with the
    attachments. Recordings are evidence and are not touched here: whether an erasure reaches them
    is the decision of ``privacy`` (legal holds, disclosure history)."""
    with transaction.atomic():
        calls = Call.objects.filter(complaint=complaint).exclude(caller_number="").update(caller_number="")
        previews = 0
        fax = Fax.objects.filter(complaint=complaint).first()
        if fax is not None:
            names = list(fax.page_previews.values_list("preview", flat=True))
            previews = fax.page_previews.all().delete()[0]
            Fax.objects.filter(pk=fax.pk).update(
                sender_number="",
                receiving_line="",
                previews=Fax.Previews.FAILED,
                previews_error="removed by erasure",
            )
            shared = set(FaxPage.objects.filter(preview__in=names).values_list("preview", flat=True))
            unshared = sorted(set(names) - shared)
            transaction.on_commit(lambda: blob_discard(unshared))
    return {"call_numbers_removed": calls, "fax_previews_removed": previews}

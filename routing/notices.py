"""Recipients are told (PDPA s.33, s.34, s.36): when a person's data is rectified or erased, or its
processing restricted (or the restriction lifted), every agency the transfer log says received it
gets a notice through its delivery method: the reference, what changed (field names, never
values), what it must do with its copy. No personal data, so the notice's bytes are kept.

Delivered like a referral: queued after commit, claimed, retried with back-off, one delivery id,
at-least-once and idempotent (one notice per agency per event; one transfer record per notice)."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop

from complaints.models import Agency, Complaint, TimelineEvent
from complaints.services.events import timeline_add
from privacy import transfer_log
from privacy.models import TransferRecord

from . import delivery
from .disclosure import canonical
from .models import RecipientNotice
from .referrals import referrals_recheck

log = logging.getLogger(__name__)
Event = RecipientNotice.Event
State = RecipientNotice.State

# What the agency must do with its copy, per event: (stable code, msgid).
INSTRUCTION: dict[str, tuple[str, str]] = {
    Event.RECTIFIED: (
        "correct_copy",
        gettext_noop(
            "Correct your copy: fetch the referral again for the corrected data and replace what you hold."
        ),
    ),
    Event.ERASED: (
        "erase_copy",
        gettext_noop(
            "Erase the personal data of this case from your copy unless a law requires you to keep it, "
            "and do not use it further."
        ),
    ),
    Event.RESTRICTED: (
        "restrict_copy",
        gettext_noop(
            "Keep your copy stored but do not use it until the centre tells you the restriction is lifted."
        ),
    ),
    Event.RESTRICTION_LIFTED: (
        "restriction_lifted",
        gettext_noop(
            "The restriction is lifted; ask the centre to refer the case again if you still need it."
        ),
    ),
}


# routing.tasks.notice_deliver, by name: the outbox row names the task (tasks import this module)
DELIVER_TASK = "routing.tasks.notice_deliver"


def notice_instruction(notice: RecipientNotice) -> str:
    return gettext(INSTRUCTION[notice.event][1])


def _recipients(complaint: Complaint) -> list[Agency]:
    """The agencies the transfer log says received this case's data (a delivery or a read)."""
    codes = (
        TransferRecord.objects.filter(
            complaint_reference=complaint.reference,
            kind__in=[TransferRecord.Kind.DISCLOSURE, TransferRecord.Kind.AGENCY_READ],
        )
        .values_list("recipient", flat=True)
        .distinct()
    )
    return list(Agency.objects.filter(code__in=list(codes)).order_by("code"))


def _body(notice: RecipientNotice) -> bytes:
    code, msgid = INSTRUCTION[notice.event]
    from django.utils import translation

    texts = {}
    for lang in ("th", "en"):
        with translation.override(lang):
            texts[lang] = gettext(msgid)
    return canonical(
        {
            "type": "recipient_notice",
            "sender": transfer_log.SENDER,
            "notice_id": str(notice.delivery_id),
            "reference": notice.complaint.reference,
            "event": notice.event,
            "changed": list(notice.changed),
            "instruction": code,
            "instruction_text": texts,
            "referrals": [
                str(d)
                for d in notice.complaint.referrals.filter(agency=notice.agency)
                .order_by("created_at")
                .values_list("delivery_id", flat=True)
            ],
            "issued_at": notice.created_at.isoformat(),
        }
    )


def recipients_notify(
    *, complaint_ids: list[int], event: str, changed: list[str] | tuple[str, ...] = (), event_key: str = ""
) -> list[RecipientNotice]:
    """Tell every agency that received these cases' data about the event; call it inside the
    transaction that made the change (the notices are queued after it commits). The same
    `event_key` (e.g. the data-subject request's id) never notifies an agency twice. Restriction
    and erasure also withdraw the cases' open referrals now (their next release would be refused
    anyway). Returns the notices created by this call."""
    if event not in Event.values:
        raise ValueError(f"unknown event {event!r}")
    key = (event_key or uuid.uuid4().hex)[:80]
    changed = sorted({str(f) for f in changed})
    created: list[RecipientNotice] = []
    with transaction.atomic():
        if event in (Event.RESTRICTED, Event.ERASED):
            referrals_recheck(complaint_ids=list(complaint_ids))
        for complaint in Complaint.objects.filter(pk__in=list(complaint_ids)).order_by("pk"):
            told = []
            for agency in _recipients(complaint):
                if RecipientNotice.objects.filter(
                    complaint=complaint, agency=agency, event=event, event_key=key
                ).exists():
                    continue
                notice = RecipientNotice(
                    complaint=complaint,
                    agency=agency,
                    event=event,
                    event_key=key,
                    changed=changed,
                    delivery_method=agency.delivery_method,
                    state=State.AVAILABLE if agency.delivery_method == "api" else State.PENDING,
                )
                notice.created_at = timezone.now()
                notice.body = _body(notice).decode()
                notice.body_sha256 = _sha(notice.body.encode())
                try:
                    with transaction.atomic():
                        notice.save()
                except IntegrityError:
                    continue  # a concurrent call told this agency already
                created.append(notice)
                told.append(agency.code)
                if notice.delivery_method != "api":
                    delivery.delivery_enqueue(DELIVER_TASK, notice.pk)
            if told:
                timeline_add(
                    complaint=complaint,
                    kind=TimelineEvent.Kind.RECIPIENT_NOTICE,
                    is_public=False,
                    text=f"{event}: {', '.join(told)}",  # stored: codes only
                )
    return created


def _sha(body: bytes) -> str:
    import hashlib

    return hashlib.sha256(body).hexdigest()


def _record(notice: RecipientNotice, actor: str) -> None:
    """The notice in the transfer log: once per notice (same delivery id, same bytes)."""
    transfer_log.transfer_append(
        kind=TransferRecord.Kind.NOTICE,
        recipient=notice.agency.code,
        complaint_reference=notice.complaint.reference,
        basis="notice",
        basis_reference=f"recipient notice: {notice.event}",
        purpose="notice",
        data_categories=["notice"],
        fields=list(notice.changed),
        payload_sha256=notice.body_sha256,
        actor=actor,
        delivery_id=str(notice.delivery_id),
    )


def notice_deliver(*, notice_id: int) -> str:
    """Deliver one notice once per claim (webhook or e-mail), outside any transaction."""
    if not delivery.claim(RecipientNotice, notice_id, [State.PENDING, State.RETRYING]):
        return "not-claimed"
    notice = RecipientNotice.objects.select_related("agency", "complaint").get(pk=notice_id)
    body = notice.body.encode()
    delivery_id = str(notice.delivery_id)
    try:
        if notice.delivery_method == "email":
            code = delivery.email_send(
                notice.agency,
                subject=f"[1212 OCC] notice {notice.complaint.reference}: {notice.event} ({delivery_id})",
                text=(
                    "ศูนย์รับเรื่องร้องเรียนปัญหาออนไลน์ 1212 แจ้งการเปลี่ยนแปลงข้อมูลที่ท่านได้รับ (JSON แนบ)\n"
                    "The 1212 Online Complaint Center tells you of a change to data you received "
                    "(JSON attached).\n"
                    f"Notice id: {delivery_id}\nEvent: {notice.event}\n"
                ),
                delivery_id=delivery_id,
                filename=f"{notice.complaint.reference}-notice.json",
                body=body,
                kind="notice",
            )
        else:
            code = delivery.webhook_post(notice.agency, delivery_id=delivery_id, body=body, kind="notice")
    except (delivery.TransientDeliveryError, delivery.PermanentDeliveryError) as exc:
        permanent = isinstance(exc, delivery.PermanentDeliveryError)
        attempts = RecipientNotice.objects.get(pk=notice.pk).attempts
        final, next_at = delivery.backoff(attempts, permanent=permanent)
        RecipientNotice.objects.filter(pk=notice.pk, state=State.SENDING).update(
            state=State.FAILED if final else State.RETRYING,
            last_error=str(exc)[:500],
            next_attempt_at=next_at,
        )
        Agency.objects.filter(pk=notice.agency_id).update(
            failure_count=F("failure_count") + 1, last_error=str(exc)[:500]
        )
        log.warning("notice %s delivery failed (attempt %s): %s", delivery_id, attempts, exc)
        return "failed" if final else "retrying"
    with transaction.atomic():
        _record(notice, "system")
        RecipientNotice.objects.filter(pk=notice.pk).update(
            state=State.DELIVERED, delivered_at=timezone.now(), last_error="", next_attempt_at=None
        )
    log.info("notice %s delivered (%s)", delivery_id, code)
    return "delivered"


def notices_due(now=None) -> list[int]:
    return delivery.due(RecipientNotice, now)


def notices_for_agency(
    *, agency_id: int, complaint_id: int | None = None, actor: str
) -> list[dict[str, Any]]:
    """The agency's notices (API and inbox). Showing a notice to the agency is its delivery for
    agencies that pull: it is marked delivered and logged once."""
    qs = RecipientNotice.objects.filter(agency_id=agency_id).select_related("complaint", "agency")
    if complaint_id is not None:
        qs = qs.filter(complaint_id=complaint_id)
    rows = list(qs.order_by("-created_at")[:200])
    for notice in rows:
        if notice.state == State.AVAILABLE:
            with transaction.atomic():
                _record(notice, actor)
                RecipientNotice.objects.filter(pk=notice.pk, state=State.AVAILABLE).update(
                    state=State.DELIVERED, delivered_at=timezone.now()
                )
    return [
        {
            "notice": n,
            "delivery_id": n.delivery_id,
            "created_at": n.created_at,
            "event": n.event,
            "changed": n.changed,
            "instruction": notice_instruction(n),
            "body": json.loads(n.body),
        }
        for n in rows
    ]

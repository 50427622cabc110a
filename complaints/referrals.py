"""Referrals to partner agencies: create under the disclosure gate, deliver at least once with
one transfer record per delivery id, retry transient failures, resend, and the agency's actions."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from privacy import transfer_log
from privacy.disclosure import Decision, disclosure_decide
from privacy.models import TransferRecord
from privacy.services import access_log_record

from . import lifecycle
from .models import Agency, Complaint, Referral, ReferralAttempt, ReturnedData, Role, Status, TimelineEvent

log = logging.getLogger(__name__)
State = Referral.State
TRANSIENT_STATUS = {408, 425, 429, 500, 502, 503, 504}


def _actor_label(actor: Any) -> str:
    if actor is None:
        return "system"
    return getattr(actor, "username", None) or str(actor)


def referral_create(
    *,
    complaint: Complaint,
    agency: Agency,
    purpose: str,
    basis: str,
    actor: Any,
    consent_id: int | None = None,
    legal_order_id: int | None = None,
) -> Referral:
    """Ask the gate, then write the referral (the outbox row) and its timeline entry in one
    transaction; delivery is enqueued after commit. A refusal raises DisclosureRefused and writes
    nothing."""
    if getattr(actor, "role", None) not in (Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise PermissionError(_("Only centre agents, supervisors and administrators route cases."))
    with transaction.atomic():
        complaint = (
            Complaint.objects.select_for_update(of=("self",))
            .select_related("complainant", "category")
            .get(pk=complaint.pk)
        )
        decision: Decision = disclosure_decide(
            complaint=complaint,
            recipient=agency,
            purpose=purpose,
            basis=basis,
            actor=actor,
            consent_id=consent_id,
            legal_order_id=legal_order_id,
        )
        method = agency.delivery_method
        referral = Referral.objects.create(
            complaint=complaint,
            agency=agency,
            delivery_method=method,
            purpose=purpose,
            basis=basis,
            basis_reference=decision.basis_reference[:300],
            fields=decision.fields,
            payload=decision.body.decode(),
            payload_sha256=decision.sha256,
            created_by=actor,
            state=State.AVAILABLE if method == "api" else State.PENDING,
        )
        TimelineEvent.objects.create(
            complaint=complaint,
            kind=TimelineEvent.Kind.REFERRAL,
            is_public=True,
            text=f"{agency.name_th} / {agency.name_en}",
            actor=actor,
        )
        if lifecycle.can_transition(complaint.status, Status.REFERRED):
            previous = complaint.status
            complaint.status = Status.REFERRED
            complaint.save(update_fields=["status", "updated_at"])
            TimelineEvent.objects.create(
                complaint=complaint,
                kind=TimelineEvent.Kind.STATUS,
                is_public=True,
                from_status=previous,
                to_status=Status.REFERRED,
                actor=actor,
            )
        if method != "api":
            from occ import outbox

            outbox.enqueue("complaints.tasks.referral_deliver", referral.pk)
    return referral


def _claim(referral_id: int) -> bool:
    now = timezone.now()
    lease = now - timedelta(seconds=settings.OCC_DELIVERY_LEASE_SECONDS)
    return bool(
        Referral.objects.filter(pk=referral_id)
        .filter(Q(state__in=[State.PENDING, State.RETRYING]) | Q(state=State.SENDING, claimed_at__lt=lease))
        .update(state=State.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


class TransientDeliveryError(Exception):
    pass


class PermanentDeliveryError(Exception):
    pass


def webhook_headers(
    *, secret: str, delivery_id: str, body: bytes, timestamp: int | None = None
) -> dict[str, str]:
    ts = str(timestamp if timestamp is not None else int(time.time()))
    signature = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {
        "Content-Type": "application/json; charset=utf-8",
        "X-OCC-Delivery": delivery_id,
        "X-OCC-Timestamp": ts,
        "X-OCC-Signature": f"sha256={signature}",
    }


def _http_client() -> httpx.Client:
    timeout = httpx.Timeout(settings.OCC_WEBHOOK_READ_TIMEOUT, connect=settings.OCC_WEBHOOK_CONNECT_TIMEOUT)
    return httpx.Client(timeout=timeout, follow_redirects=False)


def _send_webhook(referral: Referral) -> int:
    agency = referral.agency
    if not agency.webhook_url or not agency.webhook_secret:
        # stored as the delivery's error (evidence): kept in English, translated where shown
        raise PermanentDeliveryError(gettext_noop("the agency has no webhook URL or secret configured"))
    body = referral.payload.encode()
    headers = webhook_headers(secret=agency.webhook_secret, delivery_id=str(referral.delivery_id), body=body)
    try:
        with _http_client() as client:
            response = client.post(agency.webhook_url, content=body, headers=headers)
    except (httpx.TimeoutException, httpx.TransportError) as exc:
        raise TransientDeliveryError(f"{type(exc).__name__}: {exc}"[:500]) from exc
    if 200 <= response.status_code < 300:
        return response.status_code
    if response.status_code in TRANSIENT_STATUS:
        raise TransientDeliveryError(f"HTTP {response.status_code}")
    raise PermanentDeliveryError(f"HTTP {response.status_code}")


def _send_email(referral: Referral) -> int:
    agency = referral.agency
    if not agency.delivery_email:
        raise PermanentDeliveryError(gettext_noop("the agency has no designated e-mail address"))
    message = EmailMessage(
        subject=f"[1212 OCC] {referral.complaint.reference} ({referral.delivery_id})",
        body=(
            "ศูนย์รับเรื่องร้องเรียนปัญหาออนไลน์ 1212 ส่งต่อเรื่องร้องเรียนตามข้อมูลแนบ (JSON)\n"
            "The 1212 Online Complaint Center refers the attached case (JSON).\n"
            f"Delivery id: {referral.delivery_id}\nBasis: {referral.basis} ({referral.basis_reference})\n"
        ),
        to=[agency.delivery_email],
        headers={"X-OCC-Delivery": str(referral.delivery_id)},
    )
    message.attach(f"{referral.complaint.reference}.json", referral.payload.encode(), "application/json")
    try:
        message.send()
    except OSError as exc:
        raise TransientDeliveryError(f"{type(exc).__name__}: {exc}"[:500]) from exc
    return 250


def referral_deliver(*, referral_id: int) -> str:
    """Deliver once per claim. The HTTP call happens outside any transaction; success appends the
    one transfer record for this delivery id (a repeat finds it and appends nothing)."""
    if not _claim(referral_id):
        return "not-claimed"
    referral = Referral.objects.select_related("agency", "complaint").get(pk=referral_id)
    try:
        code = _send_email(referral) if referral.delivery_method == "email" else _send_webhook(referral)
    except TransientDeliveryError as exc:
        return _failed(referral, str(exc), permanent=False)
    except PermanentDeliveryError as exc:
        return _failed(referral, str(exc), permanent=True)
    with transaction.atomic():
        _transfer_record(
            referral,
            kind=TransferRecord.Kind.DISCLOSURE,
            recipient=referral.agency.code,
            actor=_actor_label(referral.created_by),
        )
        Referral.objects.filter(pk=referral.pk).update(
            state=State.DELIVERED, delivered_at=timezone.now(), last_error="", next_attempt_at=None
        )
        ReferralAttempt.objects.create(referral=referral, ok=True, status_code=code)
        Agency.objects.filter(pk=referral.agency_id).update(
            failure_count=0, last_error="", next_attempt_at=None
        )
    return "delivered"


def _categories(fields: list[str]) -> list[str]:
    cats = {"case_facts"}
    for f in fields:
        cats.add("identity" if f.startswith("complainant.") else f.split(".", 1)[1])
    return sorted(cats)


def _failed(referral: Referral, error: str, *, permanent: bool) -> str:
    attempts = Referral.objects.get(pk=referral.pk).attempts
    final = permanent or attempts >= settings.OCC_DELIVERY_MAX_ATTEMPTS
    delay = settings.OCC_DELIVERY_BACKOFF_SECONDS * (2 ** max(0, attempts - 1))
    next_at = None if final else timezone.now() + timedelta(seconds=delay)
    with transaction.atomic():
        Referral.objects.filter(pk=referral.pk, state=State.SENDING).update(
            state=State.FAILED if final else State.RETRYING, last_error=error[:500], next_attempt_at=next_at
        )
        ReferralAttempt.objects.create(referral=referral, ok=False, error=error[:500])
        Agency.objects.filter(pk=referral.agency_id).update(
            failure_count=F("failure_count") + 1, last_error=error[:500], next_attempt_at=next_at
        )
    log.warning(
        "referral %s delivery failed (%s, attempt %s): %s",
        referral.delivery_id,
        "final" if final else "will retry",
        attempts,
        error,
    )
    return "failed" if final else "retrying"


def referrals_due(now=None) -> list[int]:
    """Referrals whose retry time has come, and deliveries whose worker died mid-way."""
    now = now or timezone.now()
    lease = now - timedelta(seconds=settings.OCC_DELIVERY_LEASE_SECONDS)
    return list(
        Referral.objects.filter(
            Q(state=State.RETRYING, next_attempt_at__lte=now)
            | Q(state=State.SENDING, claimed_at__lt=lease)
            | Q(state=State.PENDING, created_at__lt=lease)
        ).values_list("id", flat=True)[:500]
    )


def referral_resend(*, referral: Referral, actor: Any) -> Referral:
    """A supervisor sends a failed referral again: same delivery id, same payload, history kept."""
    if getattr(actor, "role", None) not in (Role.SUPERVISOR, Role.ADMINISTRATOR):
        raise PermissionError(_("Only supervisors resend failed referrals."))
    with transaction.atomic():
        changed = Referral.objects.filter(pk=referral.pk, state=State.FAILED).update(
            state=State.PENDING, attempts=0, next_attempt_at=None
        )
        if not changed:
            raise ValueError(
                _("Only failed referrals can be resent; this one is: %(state)s.")
                % {"state": referral.get_state_display()}
            )
        ReferralAttempt.objects.create(referral=referral, kind=ReferralAttempt.Kind.RESEND, actor=actor)
        from occ import outbox

        outbox.enqueue("complaints.tasks.referral_deliver", referral.pk)
    referral.refresh_from_db()
    return referral


# --- the agency's side ---------------------------------------------------------------------------


@dataclass(frozen=True)
class AgencyActor:
    """Who acts for an agency: an officer (a User) or the agency's system (a credential)."""

    agency: Agency
    user: Any = None
    label: str = ""

    @property
    def name(self) -> str:
        return self.user.username if self.user is not None else self.label


def _transfer_record(referral: Referral, *, kind: str, recipient: str, actor: str) -> None:
    """One transfer-log record of this referral's minimised payload (a delivery or an agency read)."""
    transfer_log.transfer_append(
        kind=kind,
        recipient=recipient,
        complaint_reference=referral.complaint.reference,
        basis=referral.basis,
        basis_reference=referral.basis_reference,
        purpose=referral.purpose,
        data_categories=_categories(referral.fields),
        fields=referral.fields,
        payload_sha256=referral.payload_sha256,
        actor=actor,
        delivery_id=str(referral.delivery_id),
    )


def referral_agency_read(*, referral: Referral, actor: AgencyActor) -> dict[str, Any]:
    """The minimised payload. Every read of case data by an agency is a transfer-log record, and,
    when an officer (not the agency's system) reads it, an entry in the staff access log too."""
    import json

    _transfer_record(
        referral, kind=TransferRecord.Kind.AGENCY_READ, recipient=actor.agency.code, actor=actor.name
    )
    if actor.user is not None:
        access_log_record(
            actor=actor.user,
            action="view",
            object_type="referral",
            rows=[(referral.complaint.complainant_id, referral.complaint_id, referral.pk)],
            fields=referral.fields,
        )
    return json.loads(referral.payload)


def referral_acknowledge(
    *, referral: Referral, actor: AgencyActor, agency_case_reference: str = ""
) -> Referral:
    with transaction.atomic():
        ref = Referral.objects.select_for_update().get(pk=referral.pk)
        if ref.acknowledged_at is None:
            ref.acknowledged_at = timezone.now()
            ref.state = State.ACKNOWLEDGED
            if agency_case_reference:
                ref.agency_case_reference = agency_case_reference[:100]
            ref.save(update_fields=["acknowledged_at", "state", "agency_case_reference"])
            TimelineEvent.objects.create(
                complaint=ref.complaint,
                kind=TimelineEvent.Kind.AGENCY_UPDATE,
                is_public=True,
                text=f"{ref.agency.name_th} รับเรื่องแล้ว / {ref.agency.name_en} acknowledged the case",
                actor=actor.user,
            )
    return ref


def referral_agency_update(
    *, referral: Referral, actor: AgencyActor, text: str, public: bool, status: str | None = None
) -> TimelineEvent:
    """A status update or note from the agency joins the case timeline (public ones the citizen sees)."""
    from django.core.exceptions import ValidationError

    if not text.strip():
        raise ValidationError({"text": [_("An update needs text.")]})
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().get(pk=referral.complaint_id)
        if status:
            if status not in (Status.IN_PROGRESS, Status.RESOLVED):
                raise ValidationError(
                    {
                        "status": [
                            _("An agency may set the status to %(in_progress)s or %(resolved)s.")
                            % {"in_progress": Status.IN_PROGRESS.label, "resolved": Status.RESOLVED.label}
                        ]
                    }
                )
            if not lifecycle.can_transition(complaint.status, status) and complaint.status != status:
                raise ValidationError(
                    {
                        "status": [
                            _("The case is %(current)s; it cannot move to %(wanted)s.")
                            % {"current": Status(complaint.status).label, "wanted": Status(status).label}
                        ]
                    }
                )
            if complaint.status != status:
                previous = complaint.status
                complaint.status = status
                complaint.save(update_fields=["status", "updated_at"])
                TimelineEvent.objects.create(
                    complaint=complaint,
                    kind=TimelineEvent.Kind.STATUS,
                    is_public=True,
                    from_status=previous,
                    to_status=status,
                    actor=actor.user,
                    text=f"{referral.agency.short_name or referral.agency.code}",
                )
        return TimelineEvent.objects.create(
            complaint=complaint,
            kind=TimelineEvent.Kind.AGENCY_UPDATE if public else TimelineEvent.Kind.AGENCY_NOTE,
            is_public=public,
            text=text.strip(),
            actor=actor.user,
        )


def referral_return_data(
    *, referral: Referral, actor: AgencyActor, kind: str, value: str, note: str = "", legal_basis: str = ""
) -> ReturnedData:
    """Data the agency lawfully obtained joins the case with its provenance (OCC-9)."""
    from django.core.exceptions import ValidationError

    if not kind.strip() or not value.strip():
        raise ValidationError({"value": [_("Give the kind and the value of the data returned.")]})
    with transaction.atomic():
        row = ReturnedData.objects.create(
            referral=referral,
            kind=kind.strip()[:40],
            value=value.strip()[:500],
            note=note,
            legal_basis=legal_basis[:300],
            returned_by=actor.name,
        )
        TimelineEvent.objects.create(
            complaint=referral.complaint,
            kind=TimelineEvent.Kind.AGENCY_DATA,
            is_public=False,
            # stored, so language-neutral: the event's kind ("data returned by agency") says the rest
            text=f"{referral.agency.code} · {row.kind}: {row.value}",
            actor=actor.user,
        )
    return row

"""Data-subject requests (PDPA s.30-36, OCC-11, MOST-5): filing, identity, decision. What a granted
request does is ``request_execution``'s; which complaints it reaches, ``request_coverage``'s.

Every step writes an append-only RequestEvidence row; values of personal data never go into it
in clear (field names, reasons and keyed fingerprints only, ``privacy.fingerprints``).

A request reaches exactly the complaints in ``request.covered`` (``CoveredComplaint``): the case it
was filed on, the complaints carrying the contact the person proved with the one-time code, and
those an agent tied after a recorded identity check. Access, rectification, restriction and
erasure all work on that set, and the answer names it."""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from complaints.access import Can, require
from complaints.models import Complaint
from complaints.services.intake import tracking_code_hash
from occ.errors import DomainError
from privacy.fingerprints import fingerprint
from privacy.processors import processor_handoff

from ..models import (
    CoveredComplaint,
    DataSubjectRequest,
    OneTimeCode,
    RefusalGround,
    RequestEvidence,
    RequestType,
)
from ..sms import sms_send
from .export import person_export
from .holds import holds_covering_complaint
from .request_coverage import _cover, _cover_proven_contact, covered_complaints, covered_references
from .request_evidence import _evidence, _timeline
from .request_execution import _EXECUTORS, CORRECTABLE

Status = DataSubjectRequest.Status
Evidence = RequestEvidence.Kind


class RequestRefused(DomainError):
    """409: the request cannot be filed or decided (``ground``); the API's code is
    ``refused_<ground>``, or ``not_open`` for a request already decided."""

    status_code = 409

    def __init__(self, ground: str, reason, **params):
        self.ground = ground
        super().__init__(reason, code="not_open" if ground == "not_open" else f"refused_{ground}", **params)

    @property
    def reason(self) -> str:
        return self.text


class CodeRejected(DomainError):
    code = "code_rejected"
    status_code = 400
    field = "code"


class CodeNotSent(DomainError):
    """The one-time code could not be sent (mail or SMS gateway down): the request waits unverified
    and lapses with its code; the person is told to try again."""

    code = "code_not_sent"
    status_code = 503


log = logging.getLogger(__name__)


Tie = CoveredComplaint.Tie


def _complaint_by_secret(reference: str, tracking_code: str) -> Complaint:
    complaint = (
        Complaint.objects.select_related("complainant").filter(reference=reference.strip().upper()).first()
    )
    if complaint is None or not hmac.compare_digest(
        complaint.tracking_code_hash, tracking_code_hash(tracking_code)
    ):
        raise Http404
    return complaint


def _validate_details(type_: str, details: dict) -> dict:
    details = dict(details or {})
    if type_ in (RequestType.RECTIFICATION, RequestType.ADDITION):
        changes = details.get("changes") or {}
        if not isinstance(changes, dict) or not changes:
            raise ValidationError(
                {"details.changes": ['Say which data to correct or add, e.g. {"email": "..."}.']}
            )
        unknown = sorted(set(changes) - set(CORRECTABLE) - {"information"})
        if unknown:
            raise ValidationError(
                {f"details.changes.{k}": ["This data cannot be changed by a request."] for k in unknown}
            )
    return details


def _mask(contact: str) -> str:
    if "@" in contact:
        local, _, domain = contact.partition("@")
        return f"{local[:1]}***@{domain}"
    return f"***{contact[-3:]}"


def dsr_file_by_citizen(
    *, reference: str, tracking_code: str, type: str, details: dict | None = None
) -> tuple[DataSubjectRequest, str]:
    """The citizen proves the case with reference + tracking code, then a one-time code sent to
    the contact on file proves they control it. Returns the request and where the code went."""
    if type not in RequestType.values:
        raise ValidationError({"type": [f"Unknown request type '{type}'."]})
    details = _validate_details(type, details or {})
    complaint = _complaint_by_secret(reference, tracking_code)
    person = complaint.complainant
    contact, channel = (person.email, "email") if person.email else (person.phone, "sms")
    if not contact:
        raise RequestRefused(
            RefusalGround.IDENTITY_NOT_PROVEN,
            gettext_lazy(
                "No contact is on file for this complaint, so no one-time code can be sent. Call 1212: an "
                "agent can check your identity by phone and file the request for you."
            ),
        )
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        request = DataSubjectRequest.objects.create(
            type=type,
            status=Status.AWAITING_VERIFICATION,
            complaint=complaint,
            complainant=person,
            via=DataSubjectRequest.Via.CITIZEN,
            details=details,
        )
        OneTimeCode.objects.create(
            request=request,
            code_hash=_code_hash(request, code),
            channel=channel,
            contact_fingerprint=fingerprint(contact),
            expires_at=timezone.now() + timedelta(minutes=settings.OCC_DSR_CODE_TTL_MINUTES),
        )
        _evidence(
            request, Evidence.FILED, f"{type} request filed by the citizen", details_keys=sorted(details)
        )
    # Sent after the commit, and recorded as sent only once it has gone: the evidence must not
    # claim a code went out when the gateway refused it.
    try:
        _send_code(channel, contact, code, complaint.reference)
    except Exception as exc:  # noqa: BLE001 - any gateway failure: tell the person, keep the request
        log.warning(
            "one-time code for request %s not sent by %s (%s)",
            request.public_id,
            channel,
            exc.__class__.__name__,
        )
        raise CodeNotSent(
            _(
                "The one-time code could not be sent just now. Nothing else was done; please try again in a few minutes."
            )
        ) from exc
    _evidence(request, Evidence.CODE_SENT, f"one-time code sent by {channel}", to=_mask(contact))
    return request, _mask(contact)


def _code_hash(request: DataSubjectRequest, code: str) -> str:
    return hmac.new(str(request.public_id).encode(), code.encode(), hashlib.sha256).hexdigest()


def _send_code(channel: str, contact: str, code: str, reference: str) -> None:
    text_th = f"รหัสยืนยันคำขอเกี่ยวกับข้อมูลส่วนบุคคล เรื่อง {reference}: {code} (ใช้ได้ {settings.OCC_DSR_CODE_TTL_MINUTES} นาที)"
    text_en = f"Your one-time code for the data request on {reference}: {code}"
    if channel == "email":
        processor_handoff("mail", purpose="one_time_code", data=["email_address", "message_text"])
        EmailMessage(
            subject=f"[{reference}] รหัสยืนยัน / One-time code",
            body=f"{text_th}\n{text_en}\n",
            to=[contact],
            headers={"Auto-Submitted": "auto-generated"},
        ).send()
    else:
        sms_send(contact, text_th)


def dsr_verify(*, public_id: str, code: str) -> DataSubjectRequest:
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().filter(public_id=public_id).first()
        if request is None or request.status != Status.AWAITING_VERIFICATION:
            raise Http404
        otp = request.codes.filter(used_at__isnull=True).order_by("-id").first()
        now = timezone.now()
        if otp is None or otp.expires_at < now or otp.attempts >= settings.OCC_DSR_CODE_MAX_ATTEMPTS:
            raise CodeRejected(
                gettext_lazy("The code has expired or was tried too often. File the request again.")
            )
        otp.attempts += 1
        if not hmac.compare_digest(otp.code_hash, _code_hash(request, (code or "").strip())):
            otp.save(update_fields=["attempts"])
            raise CodeRejected(gettext_lazy("The code is not right."))
        otp.used_at = now
        otp.save(update_fields=["attempts", "used_at"])
        _cover(request, request.complaint, tie=Tie.REQUEST, channel=otp.channel)
        _cover_proven_contact(request, otp)
        _receive(request, now, identity=f"one-time code by {otp.channel}")
    return request


def _receive(request: DataSubjectRequest, now, *, identity: str, actor=None) -> None:
    request.status = Status.RECEIVED
    request.identity_check = identity
    request.received_at = now
    request.due_at = now + timedelta(days=settings.OCC_DSR_DUE_DAYS)
    request.save()
    _evidence(
        request,
        Evidence.VERIFIED,
        f"identity checked: {identity}",
        actor=actor,
        complaints=covered_references(request),
    )
    _timeline(request, f"data-subject request ({request.type}) received; due {request.due_at.date()}", actor)


def dsr_file_by_agent(
    *, actor, complaint: Complaint, type: str, details: dict | None, identity_check: str
) -> DataSubjectRequest:
    """An agent files for the person after checking identity by phone, and records how. The
    request covers the case it is filed on; further complaints join only by ``dsr_complaint_tie``."""
    require(actor, Can.DSR_OPEN)
    if type not in RequestType.values:
        raise ValidationError({"type": [f"Unknown request type '{type}'."]})
    if not (identity_check or "").strip():
        raise ValidationError({"identity_check": ["Record how the person's identity was checked."]})
    details = _validate_details(type, details or {})
    with transaction.atomic():
        request = DataSubjectRequest.objects.create(
            type=type,
            status=Status.AWAITING_VERIFICATION,
            complaint=complaint,
            complainant=complaint.complainant,
            via=DataSubjectRequest.Via.AGENT,
            details=details,
        )
        _evidence(
            request,
            Evidence.FILED,
            f"{type} request filed by an agent",
            actor=actor,
            details_keys=sorted(details),
        )
        check = identity_check.strip()[:250]
        _cover(request, complaint, tie=Tie.REQUEST, identity_check=check, actor=actor)
        _receive(request, timezone.now(), identity=f"agent: {check}", actor=actor)
        if complaint.complainant.anonymised_at:
            _refuse(
                request,
                actor,
                RefusalGround.ANONYMISED,
                "The data of this complaint was already anonymised; nothing identifies the person.",
            )
    return request


def dsr_complaint_tie(
    *, actor, request: DataSubjectRequest, complaint: Complaint, identity_check: str
) -> CoveredComplaint:
    """An agent ties another complaint to an open request after checking, and recording how, that
    it is the same person's (for instance one filed from an old number the code did not reach)."""
    require(actor, Can.DSR_OPEN)
    check = (identity_check or "").strip()
    if not check:
        raise ValidationError(
            {"identity_check": [_("Record how you checked that this complaint is the same person's.")]}
        )
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        _open(request)
        if complaint.complainant.anonymised_at:
            raise ValidationError(
                {"reference": [_("This complaint was anonymised; nothing identifies the person.")]}
            )
        if not request.covered.exists():  # a request filed before coverage was recorded
            _cover(request, request.complaint, tie=Tie.REQUEST)
        created = _cover(request, complaint, tie=Tie.AGENT_CHECK, identity_check=check[:300], actor=actor)
        tie = CoveredComplaint.objects.get(request=request, complaint=complaint)
        if created:
            _evidence(
                request,
                Evidence.TIED,
                f"{complaint.reference} tied after an identity check: {check[:250]}",
                actor=actor,
                complaint=complaint.reference,
            )
    return tie


def _refuse(request: DataSubjectRequest, actor, ground: str, reason: str) -> None:
    request.status = Status.REFUSED
    request.refusal_ground = ground
    request.refusal_reason = reason
    request.decided_at = timezone.now()
    request.decided_by = actor
    request.save()
    _evidence(request, Evidence.REFUSED, reason, actor=actor, ground=ground)


def dsr_refuse(*, actor, request: DataSubjectRequest, ground: str, reason: str) -> DataSubjectRequest:
    """A refusal needs a legal ground and a reason (OCC-11: only where the law requires it or the
    data has been anonymised, among the grounds PDPA allows)."""
    _require_officer(actor)
    errors = {}
    if ground not in RefusalGround.values:
        errors["ground"] = [f"Choose a legal ground: {', '.join(RefusalGround.values)}."]
    if not (reason or "").strip():
        errors["reason"] = ["Give the reason for the refusal."]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        request = DataSubjectRequest.objects.select_for_update().get(pk=request.pk)
        _open(request)
        _refuse(request, actor, ground, reason.strip())
    return request


def _require_officer(actor) -> None:
    require(actor, Can.PRIVACY_DECIDE)


def _open(request: DataSubjectRequest) -> None:
    if request.status != Status.RECEIVED:
        raise RequestRefused(
            "not_open",
            gettext_lazy("The request is %(status)s; only received requests can be decided."),
            status=request.status,
        )


def dsr_grant(*, actor, request: DataSubjectRequest, note: str = "") -> DataSubjectRequest:
    """Grant and carry out the request on every complaint it covers. Erasure is refused, with the
    reason, while a legal hold covers any of them."""
    _require_officer(actor)
    with transaction.atomic():
        request = (
            DataSubjectRequest.objects.select_for_update()
            .select_related("complaint", "complainant")
            .get(pk=request.pk)
        )
        _open(request)
        person = request.complainant
        if person.anonymised_at and request.type != RequestType.ACCESS:
            _refuse(request, actor, RefusalGround.ANONYMISED, "The data was already anonymised.")
            return request
        if request.type == RequestType.ERASURE:
            holds = [h for c in covered_complaints(request) for h in holds_covering_complaint(c)]
            if holds:
                refs = ", ".join(sorted({f"{h.order_reference} ({h.complaint.reference})" for h in holds}))
                _refuse(
                    request,
                    actor,
                    RefusalGround.LEGAL_HOLD,
                    f"A legal hold covers this person's data ({refs}); it must be kept until the hold ends.",
                )
                return request
        _evidence(
            request, Evidence.GRANTED, note or "granted", actor=actor, complaints=covered_references(request)
        )
        _EXECUTORS[request.type](request, actor)
        request.status = Status.COMPLETED
        request.decided_at = timezone.now()
        request.decided_by = actor
        request.save()
    return request


def dsr_citizen_export(*, public_id: str, reference: str, tracking_code: str) -> dict:
    """The copy a citizen downloads after an access request was granted."""
    complaint = _complaint_by_secret(reference, tracking_code)
    request = DataSubjectRequest.objects.filter(
        public_id=public_id, complaint=complaint, type=RequestType.ACCESS, status=Status.COMPLETED
    ).first()
    if request is None:
        raise Http404
    document = person_export(request=request)
    _evidence(request, Evidence.EXPORTED, "copy downloaded by the citizen", sha256=document["sha256"])
    return document

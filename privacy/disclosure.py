"""The disclosure gate: the only way case data leaves the centre (OCC-7, DD-2, DD-3, KC-3, SSO-2,
MOST-4). Every referral and every outbound copy asks it: case, recipient, purpose, basis, actor.

A decision names the fields the basis allows and carries the minimised, redacted payload. A refusal
raises DisclosureRefused with the reason and writes nothing."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from complaints.models import Agency, Complaint

from .models import DISCLOSABLE_FIELDS, Basis, Consent, DataSharingAgreement, LegalOrder, Purpose
from .redaction import BANK_ACCOUNT, EMAIL, NATIONAL_ID, PHONE, redact

# Purposes that are never a lawful reason to pass personal data on (DD-3, MOST-4).
NEVER = frozenset({Purpose.MARKETING})


class DisclosureRefused(Exception):
    """status 403: the basis does not allow it; 409: the data subject's state forbids it."""

    def __init__(self, code: str, reason: str, status: int = 403):
        self.code = code
        self.reason = reason
        self.status = status
        super().__init__(reason)


@dataclass(frozen=True)
class Decision:
    basis: str
    basis_reference: str
    purpose: str
    fields: list[str]
    payload: dict[str, Any]
    body: bytes = field(repr=False)
    sha256: str = ""
    redactions: dict[str, int] = field(default_factory=dict)

    @property
    def data_categories(self) -> list[str]:
        cats = {"case_facts"}
        for f in self.fields:
            cats.add("identity" if f.startswith("complainant.") else f.split(".", 1)[1])
        return sorted(cats)


def canonical(payload: dict[str, Any]) -> bytes:
    return json.dumps(
        payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=str
    ).encode()


def _keep_kinds(fields: list[str]) -> set[str]:
    """Identifiers in free text the recipient may see because the basis gives it those fields."""
    keep = set()
    if "complainant.phone" in fields:
        keep.add(PHONE)
    if "complainant.email" in fields:
        keep.add(EMAIL)
    if "complaint.incident" in fields:
        keep.add(BANK_ACCOUNT)  # the other party's account is part of the incident facts
    # A national ID number is never disclosed in free text.
    keep.discard(NATIONAL_ID)
    return keep


def minimised_payload(complaint: Complaint, fields: list[str]) -> tuple[dict[str, Any], dict[str, int]]:
    """Only the allowed fields; free text redacted of identifiers the recipient may not have,
    shown as [redacted: ...]."""
    keep = _keep_kinds(fields)
    redactions: dict[str, int] = {}

    def clean(text: str) -> str:
        r = redact(text or "", keep=keep)
        for k, v in r.found.items():
            redactions[k] = redactions.get(k, 0) + v
        return r.text

    person = complaint.complainant
    payload: dict[str, Any] = {
        "reference": complaint.reference,
        "category": complaint.category.code if complaint.category else None,
        "channel": complaint.channel,
        "received_at": complaint.received_at.isoformat(),
        "status": complaint.status,
    }
    identity = {}
    for name in ("name", "phone", "email", "address"):
        if f"complainant.{name}" in fields:
            identity[name] = getattr(person, name)
    if identity:
        payload["complainant"] = identity
    if "complaint.description" in fields:
        payload["description"] = clean(complaint.description)
    if "complaint.incident" in fields:
        payload["incident"] = {
            "website_url": complaint.incident_url,
            "occurred_at": complaint.incident_at.isoformat() if complaint.incident_at else None,
            "amount_lost": str(complaint.amount_lost) if complaint.amount_lost is not None else None,
            "other_party_account": complaint.other_party_account,
            "other_party_phone": complaint.other_party_phone,
        }
    if "complaint.attachments" in fields:
        payload["attachments"] = [
            {
                "name": clean(a.original_name),
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
            }
            for a in complaint.attachments.all()
        ]
    if redactions:
        payload["redacted"] = dict(sorted(redactions.items()))
    return payload, redactions


def _consent(complaint: Complaint, agency: Agency, purpose: str, consent_id: int | None) -> Consent:
    qs = Consent.objects.filter(complainant=complaint.complainant, withdrawn_at__isnull=True)
    if consent_id is not None:
        qs = qs.filter(pk=consent_id)
    for consent in qs.order_by("-given_at"):
        if purpose in consent.purposes and consent.agency_id in (None, agency.pk):
            return consent
    raise DisclosureRefused(
        "no_consent",
        f"No recorded, unwithdrawn consent of the data owner covers disclosure to {agency.code} for '{purpose}'.",
    )


def _agreement(complaint: Complaint, agency: Agency, purpose: str) -> DataSharingAgreement:
    today = timezone.localdate()
    category_id = complaint.category_id
    for agreement in DataSharingAgreement.objects.filter(
        agency=agency, is_active=True, valid_from__lte=today
    ):
        if agreement.valid_until and agreement.valid_until < today:
            continue
        if purpose not in agreement.purposes:
            continue
        if category_id is None or not agreement.categories.filter(pk=category_id).exists():
            continue
        return agreement
    category = complaint.category.code if complaint.category else "untriaged"
    raise DisclosureRefused(
        "no_agreement",
        f"No active data-sharing agreement with {agency.code} covers category '{category}' for purpose '{purpose}'.",
    )


def _legal_order(complaint: Complaint, agency: Agency, legal_order_id: int | None) -> LegalOrder:
    order = (
        LegalOrder.objects.filter(pk=legal_order_id, complaint=complaint, agency=agency).first()
        if legal_order_id
        else None
    )
    if order is None:
        raise DisclosureRefused(
            "no_legal_order",
            "A disclosure under law or an official order needs the recorded order (reference, issuing authority, "
            "date, provision and document) for this case and this agency.",
        )
    return order


def disclosure_decide(
    *,
    complaint: Complaint,
    recipient: Agency,
    purpose: str,
    basis: str,
    actor: Any = None,
    consent_id: int | None = None,
    legal_order_id: int | None = None,
) -> Decision:
    """Decide whether the case may go to the recipient, and what exactly goes."""
    if purpose in NEVER:
        raise DisclosureRefused(
            "marketing_refused", "Personal data is never disclosed for marketing (DD-3, MOST-4)."
        )
    if purpose not in Purpose.values:
        raise DisclosureRefused("unknown_purpose", f"Unknown purpose '{purpose}'.")
    if complaint.complainant.processing_restricted_at:
        raise DisclosureRefused(
            "restricted",
            "The data subject has restricted processing of their data (PDPA s.34); nothing may be "
            "disclosed until the restriction is lifted.",
            status=409,
        )
    if not recipient.is_active:
        raise DisclosureRefused("agency_inactive", f"The agency {recipient.code} is not active.")

    if basis == Basis.CONSENT:
        consent = _consent(complaint, recipient, purpose, consent_id)
        fields = [f for f in consent.fields if f in DISCLOSABLE_FIELDS]
        reference = f"consent #{consent.pk} given {consent.given_at.date().isoformat()} by {consent.channel}"
    elif basis == Basis.RELATED_AGENCY:
        agreement = _agreement(complaint, recipient, purpose)
        fields = [f for f in agreement.field_profile if f in DISCLOSABLE_FIELDS]
        reference = f"agreement #{agreement.pk}: {agreement.legal_reference}"
    elif basis == Basis.LEGAL_ORDER:
        order = _legal_order(complaint, recipient, legal_order_id)
        fields = [f for f in (order.fields or DISCLOSABLE_FIELDS) if f in DISCLOSABLE_FIELDS]
        reference = (
            f"order {order.reference} of {order.issuing_authority}, {order.issued_on.isoformat()}, "
            f"{order.provision}"
        )
    else:
        raise DisclosureRefused(
            "unknown_basis", f"Unknown basis '{basis}'; use consent, related_agency or legal_order."
        )

    payload, redactions = minimised_payload(complaint, fields)
    payload["disclosure"] = {
        "basis": basis,
        "basis_reference": reference,
        "purpose": purpose,
        "recipient": recipient.code,
        "fields": fields,
    }
    body = canonical(payload)
    return Decision(
        basis=basis,
        basis_reference=reference,
        purpose=purpose,
        fields=fields,
        payload=payload,
        body=body,
        sha256=hashlib.sha256(body).hexdigest(),
        redactions=redactions,
    )

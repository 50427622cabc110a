"""The disclosure gate: the only way case data leaves the centre (OCC-7, DD-2, DD-3, KC-3, SSO-2,
MOST-4). Every referral and every outbound copy asks it: case, recipient, purpose, basis, actor.

A decision names the fields the basis allows and carries the minimised, redacted payload. A refusal
raises DisclosureRefused with the reason and writes nothing.

Language: a refusal keeps its message id and parameters and is put into words only when read
(`reason`, in the active language). The basis reference is evidence (stored on the referral and in
the hash-chained transfer log), so it is stored in one fixed form and translated only for display
(`basis_reference_text`)."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from django.db import connections
from django.db.models import JSONField, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone, translation
from django.utils.translation import gettext, gettext_lazy, gettext_noop

from complaints.models import Agency, Attachment, Channel, Complaint
from occ.compiled import Compiled
from occ.dates import be_date  # Buddhist era for Thai readers
from privacy.models import (
    DISCLOSABLE_FIELDS,
    Basis,
    Consent,
    DataSharingAgreement,
    LegalOrder,
    Purpose,
    TransferRecord,
)
from privacy.redaction import BANK_ACCOUNT, EMAIL, NATIONAL_ID, PHONE, redact
from privacy.transfer_log import transfer_append

# Purposes that are never a lawful reason to pass personal data on (DD-3, MOST-4).
NEVER = frozenset({Purpose.MARKETING})
# Purposes that never carry a case: only aggregates without personal data (indicator_sharing_decide).
NO_CASE = frozenset({Purpose.INDICATOR_SHARING})

# The basis reference as stored with each referral and transfer record: always these English forms
# (language-neutral evidence; the hash chain covers them). Each is also a msgid, so that
# basis_reference_text() can show a stored reference in the reader's language.
CONSENT_REFERENCE = gettext_noop("consent #%(id)s given %(date)s by %(channel)s")
AGREEMENT_REFERENCE = gettext_noop("agreement #%(id)s: %(ref)s")
ORDER_REFERENCE = gettext_noop("order %(ref)s of %(authority)s, %(date)s, %(provision)s")
_DATE = r"(?P<date>\d{4}-\d{2}-\d{2})"
_STORED_FORMS = (
    (CONSENT_REFERENCE, re.compile(rf"consent #(?P<id>\d+) given {_DATE} by (?P<channel>[\w-]+)")),
    (AGREEMENT_REFERENCE, re.compile(r"agreement #(?P<id>\d+): (?P<ref>.*)", re.DOTALL)),
    (
        ORDER_REFERENCE,
        re.compile(rf"order (?P<ref>.+?) of (?P<authority>.+), {_DATE}, (?P<provision>.*)", re.DOTALL),
    ),
)


def _display_date(iso: str) -> str:
    try:
        return be_date(date.fromisoformat(iso))
    except ValueError:
        return iso


def _display_channel(code: str) -> str:
    try:
        return str(Channel(code).label)
    except ValueError:
        return code


def basis_reference_text(reference: str) -> str:
    """A stored basis reference in the active language, for display only (the stored text is never
    changed). Dates are shown as the reader reads them and the channel by its name; a reference in
    none of the known forms (e.g. cut at 300 characters) is shown as stored."""
    for msgid, pattern in _STORED_FORMS:
        m = pattern.fullmatch(reference or "")
        if m is None:
            continue
        parts = m.groupdict()
        if "date" in parts:
            parts["date"] = _display_date(parts["date"])
        if "channel" in parts:
            parts["channel"] = _display_channel(parts["channel"])
        return gettext(msgid) % parts
    return reference or ""


class Localised:
    """A bilingual name (name_th / name_en) put into words in the language active when a message
    is formatted, not when it is raised."""

    def __init__(self, obj: Any):
        self.th = getattr(obj, "name_th", "") or ""
        self.en = getattr(obj, "name_en", "") or ""

    def __str__(self) -> str:
        if translation.get_language() == "en":
            return self.en or self.th
        return self.th or self.en


def _purpose_label(purpose: str) -> Any:
    """The purpose's label in the reader's language (the same words as the desk's choices)."""
    try:
        return gettext_lazy(str(Purpose(purpose).label))
    except ValueError:
        return purpose


class DisclosureRefused(Exception):
    """status 403: the basis does not allow it; 409: the data subject's state forbids it.

    `code` is for machines (the API's error code) and never changes; `reason` is for people and is
    translated into the active language each time it is read."""

    def __init__(self, code: str, message: str, params: dict[str, Any] | None = None, status: int = 403):
        self.code = code
        self.message = message  # a msgid marked with gettext_noop
        self.params = params or {}
        self.status = status
        super().__init__(code)

    @property
    def reason(self) -> str:
        return gettext(self.message) % self.params

    def __str__(self) -> str:
        return self.reason


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
    # the consent or legal order the decision rests on (None for an agreement), so that each later
    # release asks about the same one
    basis_id: int | None = None

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


# The gate's two reads, asked at every release: their SQL compiled once per process (occ.compiled)
_ATTACHMENTS = Compiled(lambda complaint_id: Attachment.objects.filter(complaint_id=complaint_id))
_AGREEMENTS_IN_FORCE = Compiled(
    lambda agency_id, category_id, today: DataSharingAgreement.objects.filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=today),
        agency_id=agency_id,
        is_active=True,
        valid_from__lte=today,
        categories=category_id,
    ).order_by("id")
)


class AgreementTerms(NamedTuple):
    """What the gate reads of an agreement in force (read with the case: ``GateReads``)."""

    pk: int
    purposes: list[str]
    field_profile: list[str]
    legal_reference: str


class AttachmentFacts(NamedTuple):
    """What the gate releases of an attachment (read with the case: ``GateReads``)."""

    original_name: str
    content_type: str
    size: int
    sha256: str


@dataclass(frozen=True)
class GateReads:
    """The gate's two reads (the agreements in force for this agency, category and day; the
    case's attachments) made as part of the caller's read of the case, in the same statement, at
    this release: the same rows ``_AGREEMENTS_IN_FORCE`` and ``_ATTACHMENTS`` give, read at the
    same moment as the case. ``disclosure_decide`` uses them only for the case, agency, category
    and day they were read for (else it reads again), and only once: they are handed to one
    decision, never kept on an instance."""

    complaint_id: int
    agency_id: int
    category_id: int | None
    today: date
    agreements: list[AgreementTerms]
    attachments: list[AttachmentFacts]


# the annotation names a read carries the gate's reads under (gate_reads_annotations)
_AGREEMENTS_AS, _ATTACHMENTS_AS = "gate_agreements_in_force", "gate_attachments"


def gate_reads_annotations(
    *, using: str, complaint_table: str, agency: str | int, today: date
) -> dict[str, RawSQL] | None:
    """On PostgreSQL, the gate's two reads as two annotations of a read of the case (one
    statement): ``complaint_table`` is the alias of the case's table in that read, ``agency``
    the SQL of the agency's id there (a column) or the id itself. None elsewhere (the gate reads
    them itself). The rows, the filter and the order are those of ``_AGREEMENTS_IN_FORCE`` and
    ``_ATTACHMENTS`` (Attachment's ordering), as JSON arrays of the fields the gate uses."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return None
    qn = connection.ops.quote_name
    dsa, att, case_meta = DataSharingAgreement._meta, Attachment._meta, Complaint._meta
    categories: Any = dsa.get_field("categories")
    through = categories.remote_field.through._meta

    def col(meta, name: str) -> str:
        return qn(meta.get_field(name).column)

    case = qn(complaint_table)
    case_id, case_category = f"{case}.{col(case_meta, 'id')}", f"{case}.{col(case_meta, 'category')}"
    order = ", ".join(
        f"a.{col(att, name[1:])} DESC" if name.startswith("-") else f"a.{col(att, name)}"
        for name in [str(n) for n in att.ordering or ["id"]]  # names (Attachment's Meta.ordering)
    )
    if isinstance(agency, int):
        agency_sql, agency_params = "%s", [agency]
    else:
        agency_sql, agency_params = agency, []
    agreements = (
        f"SELECT json_agg(json_build_array(d.{col(dsa, 'id')}, d.{col(dsa, 'purposes')}, "  # noqa: S608 - names from the models
        f"d.{col(dsa, 'field_profile')}, d.{col(dsa, 'legal_reference')}) ORDER BY d.{col(dsa, 'id')})::text "
        f"FROM {qn(dsa.db_table)} d INNER JOIN {qn(through.db_table)} dc "
        f"ON dc.{qn(categories.m2m_column_name())} = d.{col(dsa, 'id')} "
        f"WHERE d.{col(dsa, 'agency')} = {agency_sql} AND dc.{qn(categories.m2m_reverse_name())} = {case_category} "
        f"AND d.{col(dsa, 'is_active')} AND d.{col(dsa, 'valid_from')} <= %s "
        f"AND (d.{col(dsa, 'valid_until')} IS NULL OR d.{col(dsa, 'valid_until')} >= %s)"
    )
    attachments = (
        f"SELECT json_agg(json_build_array(a.{col(att, 'original_name')}, a.{col(att, 'content_type')}, "  # noqa: S608
        f"a.{col(att, 'size')}, a.{col(att, 'sha256')}) ORDER BY {order})::text "
        f"FROM {qn(att.db_table)} a WHERE a.{col(att, 'complaint')} = {case_id}"
    )
    # the texts hold names from the models (and ``agency``, a column the caller names from its
    # model), every value is a parameter
    return {
        _AGREEMENTS_AS: RawSQL(agreements, [*agency_params, today, today], output_field=JSONField()),  # noqa: S611
        _ATTACHMENTS_AS: RawSQL(attachments, [], output_field=JSONField()),  # noqa: S611
    }


def gate_reads_of(obj: Any, *, complaint: Complaint, agency_id: int, today: date) -> GateReads | None:
    """The gate's reads an instance read with ``gate_reads_annotations`` carries, taken off it
    (so they serve one decision only); None when it carries none."""
    if not hasattr(obj, _AGREEMENTS_AS):
        return None
    agreements = obj.__dict__.pop(_AGREEMENTS_AS) or []
    attachments = obj.__dict__.pop(_ATTACHMENTS_AS, None) or []
    return GateReads(
        complaint_id=complaint.pk,
        agency_id=agency_id,
        category_id=complaint.category_id,
        today=today,
        agreements=[AgreementTerms(*a) for a in agreements],
        attachments=[AttachmentFacts(*a) for a in attachments],
    )


def _usable(reads: GateReads | None, complaint: Complaint, agency: Agency) -> GateReads | None:
    if reads is None:
        return None
    if (reads.complaint_id, reads.agency_id, reads.category_id) != (
        complaint.pk,
        agency.pk,
        complaint.category_id,
    ):
        return None
    return reads


def _attachments(complaint: Complaint, reads: GateReads | None = None) -> list[Any]:
    """``complaint.attachments.all()``: read now, unless the caller prefetched them or read them
    with the case (``GateReads``)."""
    if reads is not None:
        return reads.attachments
    if "attachments" in getattr(complaint, "_prefetched_objects_cache", {}):
        return list(complaint.attachments.all())
    return _ATTACHMENTS.all(complaint.pk)


def minimised_payload(
    complaint: Complaint, fields: list[str], reads: GateReads | None = None
) -> tuple[dict[str, Any], dict[str, int]]:
    """Only the allowed fields; free text redacted of identifiers the recipient may not have,
    shown as [redacted: ...]. ``reads``: the attachments read with the case (``GateReads``)."""
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
            for a in _attachments(complaint, reads)
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
        gettext_noop(
            "No recorded consent of the data owner that is still in force covers disclosure to "
            "%(agency)s for the purpose: %(purpose)s."
        ),
        {"agency": Localised(agency), "purpose": _purpose_label(purpose)},
    )


def _agreement(
    complaint: Complaint, agency: Agency, purpose: str, reads: GateReads | None = None
) -> DataSharingAgreement | AgreementTerms:
    today = timezone.localdate()
    category_id = complaint.category_id
    # one query (asked at every release): the agreements in force for this agency and category,
    # unless read with the case at this release, for this day
    in_force: list[Any]
    if reads is not None and reads.today == today:
        in_force = reads.agreements
    elif category_id is not None:
        in_force = _AGREEMENTS_IN_FORCE.all(agency.pk, category_id, today)
    else:
        in_force = []
    for agreement in in_force:
        if purpose in agreement.purposes:
            return agreement
    if complaint.category is None:
        raise DisclosureRefused(
            "no_agreement",
            gettext_noop(
                "The case has no category yet, so no data-sharing agreement with %(agency)s can cover "
                "it. Set the category first."
            ),
            {"agency": Localised(agency)},
        )
    raise DisclosureRefused(
        "no_agreement",
        gettext_noop(
            "No active data-sharing agreement with %(agency)s covers the category %(category)s for "
            "the purpose: %(purpose)s."
        ),
        {
            "agency": Localised(agency),
            "category": Localised(complaint.category),
            "purpose": _purpose_label(purpose),
        },
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
            gettext_noop(
                "A disclosure under law or an official order needs the recorded order (reference, "
                "issuing authority, date, provision and document) for this case and this agency."
            ),
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
    reads: GateReads | None = None,
) -> Decision:
    """Decide whether the case may go to the recipient, and what exactly goes. ``reads``: the
    gate's reads made with the caller's read of the case a moment before (``GateReads``), used
    only when they are of this case, agency, category and day."""
    reads = _usable(reads, complaint, recipient)
    if purpose in NEVER:
        raise DisclosureRefused(
            "marketing_refused",
            gettext_noop("Personal data is never disclosed for marketing (DD-3, MOST-4)."),
        )
    if purpose not in Purpose.values:
        raise DisclosureRefused(
            "unknown_purpose", gettext_noop("Unknown purpose: %(purpose)s."), {"purpose": purpose}
        )
    if purpose in NO_CASE:
        raise DisclosureRefused(
            "purpose_carries_no_case",
            gettext_noop("The purpose %(purpose)s never carries a case or its complainant's data."),
            {"purpose": _purpose_label(purpose)},
        )
    if complaint.complainant.anonymised_at:
        raise DisclosureRefused(
            "erased",
            gettext_noop("The data owner's personal data was erased (PDPA s.33); nothing may be disclosed."),
            status=409,
        )
    if complaint.complainant.processing_restricted_at:
        raise DisclosureRefused(
            "restricted",
            gettext_noop(
                "The data owner has restricted the processing of their data (PDPA s.34); nothing may "
                "be disclosed until the restriction is lifted."
            ),
            status=409,
        )
    if not recipient.is_active:
        raise DisclosureRefused(
            "agency_inactive",
            gettext_noop("The agency %(agency)s is not active."),
            {"agency": Localised(recipient)},
        )

    basis_id = None
    if basis == Basis.CONSENT:
        consent = _consent(complaint, recipient, purpose, consent_id)
        basis_id = consent.pk
        fields = [f for f in consent.fields if f in DISCLOSABLE_FIELDS]
        reference = CONSENT_REFERENCE % {
            "id": consent.pk,
            "date": consent.given_at.date().isoformat(),
            "channel": consent.channel,
        }
    elif basis == Basis.RELATED_AGENCY:
        agreement = _agreement(complaint, recipient, purpose, reads)
        fields = [f for f in agreement.field_profile if f in DISCLOSABLE_FIELDS]
        reference = AGREEMENT_REFERENCE % {"id": agreement.pk, "ref": agreement.legal_reference}
    elif basis == Basis.LEGAL_ORDER:
        order = _legal_order(complaint, recipient, legal_order_id)
        basis_id = order.pk
        fields = [f for f in (order.fields or DISCLOSABLE_FIELDS) if f in DISCLOSABLE_FIELDS]
        reference = ORDER_REFERENCE % {
            "ref": order.reference,
            "authority": order.issuing_authority,
            "date": order.issued_on.isoformat(),
            "provision": order.provision,
        }
    else:
        raise DisclosureRefused(
            "unknown_basis",
            gettext_noop("Unknown basis: %(basis)s; use consent, related_agency or legal_order."),
            {"basis": basis},
        )

    payload, redactions = minimised_payload(complaint, fields, reads)
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
        basis_id=basis_id,
    )


# --- indicator sharing: aggregates about scammers' indicators, never a case ----------------------


@dataclass(frozen=True)
class SharingDecision:
    """An agency may receive indicator aggregates under this agreement. ``category_ids`` bounds the
    complaints counted (empty: the agreement names no category, so none is counted)."""

    basis: str
    basis_reference: str
    purpose: str
    agreement_id: int
    category_ids: frozenset[int]


def indicator_sharing_decide(*, recipient: Agency) -> SharingDecision:
    """Asked at every export: does an active agreement with the agency cover the purpose
    "indicator sharing" today? Which categories' complaints may be counted? Refusal writes
    nothing. What leaves is built by the caller from indicators only (no complainant data, no free
    text) and recorded with ``indicator_transfer_record``."""
    if not recipient.is_active:
        raise DisclosureRefused(
            "agency_inactive",
            gettext_noop("The agency %(agency)s is not active."),
            {"agency": Localised(recipient)},
        )
    today = timezone.localdate()
    for agreement in DataSharingAgreement.objects.filter(
        agency=recipient, is_active=True, valid_from__lte=today
    ).order_by("id"):
        if agreement.valid_until and agreement.valid_until < today:
            continue
        if Purpose.INDICATOR_SHARING not in agreement.purposes:
            continue
        return SharingDecision(
            basis=Basis.RELATED_AGENCY,
            basis_reference=AGREEMENT_REFERENCE % {"id": agreement.pk, "ref": agreement.legal_reference},
            purpose=Purpose.INDICATOR_SHARING,
            agreement_id=agreement.pk,
            category_ids=frozenset(agreement.categories.values_list("id", flat=True)),
        )
    raise DisclosureRefused(
        "no_agreement",
        gettext_noop("No active data-sharing agreement with %(agency)s covers the purpose: %(purpose)s."),
        {"agency": Localised(recipient), "purpose": _purpose_label(Purpose.INDICATOR_SHARING)},
    )


def indicator_transfer_record(
    *, decision: SharingDecision, recipient: Agency, body: bytes, count: int, export_id: str, actor: str
):
    """The one transfer record of an indicator export: its payload hash and how many indicators."""

    return transfer_append(
        kind=TransferRecord.Kind.INDICATORS,
        recipient=recipient.code,
        complaint_reference="",
        basis=decision.basis,
        basis_reference=decision.basis_reference,
        purpose=decision.purpose,
        data_categories=["indicators", f"indicator_count:{count}"],
        fields=["kind", "value", "bank", "complaints", "total_loss", "first_seen", "last_seen"],
        payload_sha256=hashlib.sha256(body).hexdigest(),
        actor=actor,
        delivery_id=export_id,
    )

"""Writes of privacy records: the staff access log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _

from .models import DISCLOSABLE_FIELDS, AccessLogEntry, Consent, LegalOrder, Purpose


def access_log_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    rows: Iterable[tuple[int | None, int | None, int | None]],
    fields: list[str],
    purpose: str = "",
) -> int:
    """Write one entry per (complainant_id, complaint_id, object_id) the actor was shown.

    One INSERT for the whole batch, so a list page costs one query whatever its length."""
    entries = [
        AccessLogEntry(
            actor=actor,
            actor_role=getattr(actor, "role", ""),
            action=action,
            complainant_id=complainant_id,
            complaint_id=complaint_id,
            object_type=object_type,
            object_id=object_id,
            fields=fields,
            purpose=purpose,
        )
        for complainant_id, complaint_id, object_id in rows
    ]
    if entries:
        AccessLogEntry.objects.bulk_create(entries)
    return len(entries)


# --- consents and legal orders (bases of disclosure) ------------------------------------------------


def consent_record(
    *,
    complainant,
    purposes: list[str],
    fields: list[str],
    channel: str,
    statement: str,
    agency=None,
    actor=None,
    given_at=None,
):
    """Record the data owner's consent (scope: purposes, fields, agency; time; channel)."""
    from django.core.exceptions import ValidationError
    from django.utils import timezone

    errors = {}
    if not purposes or any(p not in Purpose.values for p in purposes):
        errors["purposes"] = [
            _("Choose purposes from: %(purposes)s.")
            % {"purposes": ", ".join(p for p in Purpose.values if p != "marketing")}
        ]
    elif Purpose.MARKETING in purposes:
        errors["purposes"] = [_("Consent cannot be taken for marketing.")]
    bad = [f for f in fields if f not in DISCLOSABLE_FIELDS]
    if bad:
        errors["fields"] = [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(bad)}]
    if not statement.strip():
        errors["statement"] = [_("Record what the person was told and agreed to.")]
    if errors:
        raise ValidationError(errors)
    return Consent.objects.create(
        complainant=complainant,
        agency=agency,
        purposes=list(purposes),
        fields=list(fields),
        channel=channel,
        statement=statement.strip(),
        given_at=given_at or timezone.now(),
        recorded_by=actor,
    )


def consent_withdraw(*, consent, actor=None):
    """A withdrawal stops every later disclosure that relied on this consent."""
    from django.utils import timezone

    if consent.withdrawn_at is None:
        consent.withdrawn_at = timezone.now()
        consent.save(update_fields=["withdrawn_at"])
    return consent


def legal_order_record(
    *,
    complaint,
    agency,
    reference: str,
    issuing_authority: str,
    issued_on,
    provision: str,
    document,
    fields: list[str] | None,
    actor,
):
    """Record an order of a competent official with its document (kept as evidence)."""
    import hashlib

    from django.core.exceptions import ValidationError

    errors = {}
    for name, value in (
        ("reference", reference),
        ("issuing_authority", issuing_authority),
        ("provision", provision),
    ):
        if not (value or "").strip():
            errors[name] = [_("Required for a disclosure under law or an official order.")]
    if document is None:
        errors["document"] = [_("Attach the order document.")]
    bad = [f for f in (fields or []) if f not in DISCLOSABLE_FIELDS]
    if bad:
        errors["fields"] = [_("Unknown fields: %(fields)s.") % {"fields": ", ".join(bad)}]
    if errors:
        raise ValidationError(errors)
    digest = hashlib.sha256()
    for chunk in document.chunks():
        digest.update(chunk)
    return LegalOrder.objects.create(
        complaint=complaint,
        agency=agency,
        reference=reference.strip(),
        issuing_authority=issuing_authority.strip(),
        issued_on=issued_on,
        provision=provision.strip(),
        document=document,
        document_sha256=digest.hexdigest(),
        fields=list(fields or []),
        recorded_by=actor,
    )

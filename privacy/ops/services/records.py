"""Records for the regulator: record of processing (PDPA s.39), breach register (s.37), staff
access report (who read whose data)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints.access import Can, require
from privacy.models import AccessLogEntry, TransferRecord
from privacy.processors import processors_register

from ..models import BreachRecord, DataSubjectRequest, ProcessingActivity, RequestType

BREACH_NOTICE_HOURS = 72


def breach_record(
    *, actor, detected_at: datetime, description: str, data_categories: list[str], people_affected: int
) -> BreachRecord:
    require(actor, Can.BREACH_RECORD)
    if not description.strip():
        raise ValidationError({"description": ["Describe the breach."]})
    if detected_at > timezone.now() + timedelta(minutes=5):
        raise ValidationError({"detected_at": ["A breach cannot be detected in the future."]})
    return BreachRecord.objects.create(
        detected_at=detected_at,
        description=description.strip(),
        data_categories=list(data_categories),
        people_affected=people_affected,
        notify_by=detected_at + timedelta(hours=BREACH_NOTICE_HOURS),
        recorded_by=actor,
    )


def breach_mark_notified(
    *, actor, breach: BreachRecord, regulator: bool = True, subjects: bool = False
) -> BreachRecord:
    require(actor, Can.BREACH_MANAGE)
    now = timezone.now()
    if regulator and not breach.regulator_notified_at:
        breach.regulator_notified_at = now
    if subjects and not breach.subjects_notified_at:
        breach.subjects_notified_at = now
    breach.save(update_fields=["regulator_notified_at", "subjects_notified_at"])
    return breach


def _disclosures_without_consent() -> list[dict[str, Any]]:
    """Drawn from the transfer log."""
    rows = TransferRecord.objects.exclude(basis="consent").values("basis").order_by("basis")
    counts: dict[str, int] = {}
    for row in rows:
        counts[row["basis"]] = counts.get(row["basis"], 0) + 1
    return [{"basis": k, "transfers": v} for k, v in sorted(counts.items())]


def processing_record() -> list[dict[str, Any]]:
    refusals = list(
        DataSubjectRequest.objects.filter(status=DataSubjectRequest.Status.REFUSED)
        .values("type", "refusal_ground")
        .order_by("type", "refusal_ground")
    )
    objections = DataSubjectRequest.objects.filter(type=RequestType.OBJECTION).count()
    refusal_counts: dict[str, int] = {}
    for r in refusals:
        key = f"{r['type']}:{r['refusal_ground']}"
        refusal_counts[key] = refusal_counts.get(key, 0) + 1
    disclosures = _disclosures_without_consent()
    processors = [
        f"{p['name']} [{p['code']}] contract {p['contract_reference']}: {', '.join(p['purposes'])}; "
        f"{', '.join(p['data_categories'])}; valid {p['valid_from']} to {p['valid_to'] or 'termination'}"
        for p in processors_register()
    ]
    return [
        {
            "activity": a.code,
            "name": a.name,
            "controller": "1212 OCC",
            "purpose": a.purpose,
            "data_collected": a.data_collected,
            "data_subjects": a.data_subjects,
            "legal_basis": a.legal_basis,
            "retention": a.retention,
            "access": a.access,
            "disclosures_without_consent": disclosures,
            "refusals": refusal_counts,
            "objections": objections,
            "security_measures": a.security_measures,
            "processors": processors,
        }
        for a in ProcessingActivity.objects.order_by("code")
    ]


def access_report(
    *,
    complainant_id: int | None = None,
    actor_username: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[dict[str, Any]]:
    qs = AccessLogEntry.objects.select_related("actor").order_by("at", "id")
    if complainant_id:
        qs = qs.filter(complainant_id=complainant_id)
    if actor_username:
        qs = qs.filter(actor__username=actor_username)
    if since:
        qs = qs.filter(at__gte=since)
    if until:
        qs = qs.filter(at__lt=until)
    return [
        {
            "at": e.at.isoformat(),
            "actor": e.actor.username if e.actor else "",
            "role": e.actor_role,
            "action": e.action,
            "object": e.object_type,
            "object_id": e.object_id,
            "complaint_id": e.complaint_id,
            "complainant_id": e.complainant_id,
            "fields": ",".join(e.fields),
        }
        for e in qs.iterator(chunk_size=2000)
    ]

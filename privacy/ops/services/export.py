"""The machine-readable copy of everything held about a person (PDPA s.30-31, OCC-11, MOST-5).

The person's complaints are exactly those the request covers (``CoveredComplaint``): the case it
was filed on, those carrying the contact the person proved with the one-time code, and those an
agent tied after a recorded identity check. A contact nobody proved never widens it. Other apps add sections (recordings, consents, transfers)
through ``export_section``; each section gets the person's complaint ids and returns JSON data."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from django.db.models import Prefetch
from django.utils import timezone

from complaints.models import Attachment, Complaint, TimelineEvent
from privacy.models import Consent, TransferRecord

from ..models import CoveredComplaint, DataSubjectRequest
from .request_coverage import covered_ids

SECTIONS: dict[str, Callable[[list[int]], Any]] = {}


def export_section(name: str) -> Callable:
    def register(fn: Callable[[list[int]], Any]) -> Callable:
        SECTIONS[name] = fn
        return fn

    return register


def person_complaints(request: DataSubjectRequest):
    return (
        Complaint.objects.filter(pk__in=covered_ids(request))
        .select_related("complainant", "category")
        .prefetch_related(
            Prefetch("events", queryset=TimelineEvent.objects.order_by("created_at", "id")),
            Prefetch("attachments", queryset=Attachment.objects.order_by("id")),
        )
        .order_by("received_at", "id")
    )


def _complaint(c: Complaint) -> dict[str, Any]:
    p = c.complainant
    return {
        "reference": c.reference,
        "channel": c.channel,
        "category": c.category.code if c.category else None,
        "status": c.status,
        "received_at": c.received_at.isoformat(),
        "description": c.description,
        "incident": {
            "website_url": c.incident_url,
            "occurred_at": c.incident_at.isoformat() if c.incident_at else None,
            "amount_lost": str(c.amount_lost) if c.amount_lost is not None else None,
            "other_party_account": c.other_party_account,
            "other_party_phone": c.other_party_phone,
            "address": c.incident_address,
            "latitude": str(c.incident_latitude) if c.incident_latitude is not None else None,
            "longitude": str(c.incident_longitude) if c.incident_longitude is not None else None,
            "province": c.incident_province,
        },
        "identity": {
            "anonymous": p.is_anonymous,
            "name": p.name,
            "phone": p.phone,
            "email": p.email,
            "address": p.address,
            "processing_restricted": p.processing_restricted_at is not None,
            "anonymised": p.anonymised_at is not None,
        },
        "timeline": [
            {
                "at": e.created_at.isoformat(),
                "kind": e.kind,
                "public": e.is_public,
                "status": e.to_status,
                "text": e.text,
            }
            for e in c.events.all()
        ],
        "attachments": [
            {
                "name": a.original_name,
                "content_type": a.content_type,
                "size": a.size,
                "sha256": a.sha256,
                "uploaded_at": a.uploaded_at.isoformat(),
            }
            for a in c.attachments.all()
        ],
    }


def person_export(*, request: DataSubjectRequest) -> dict[str, Any]:
    complaints = list(person_complaints(request))
    ids = [c.pk for c in complaints]
    ties = dict(request.covered.values_list("complaint_id", "tie"))
    data: dict[str, Any] = {
        "generated_at": timezone.now().isoformat(),
        "controller": "1212 Online Complaint Center (ศูนย์รับเรื่องร้องเรียนปัญหาออนไลน์ 1212)",
        "covered": [
            {"reference": c.reference, "tie": ties.get(c.pk, CoveredComplaint.Tie.REQUEST)}
            for c in complaints
        ],
        "complaints": [_complaint(c) for c in complaints],
        "data_requests": [
            {
                "type": r.type,
                "status": r.status,
                "received_at": r.received_at.isoformat() if r.received_at else None,
                "decided_at": r.decided_at.isoformat() if r.decided_at else None,
                "refusal_ground": r.refusal_ground,
            }
            for r in DataSubjectRequest.objects.filter(complaint_id__in=ids).order_by("id")
        ],
    }
    refs = [c.reference for c in complaints]
    data["consents"] = [
        {
            "purposes": c.purposes,
            "fields": c.fields,
            "agency": c.agency.code if c.agency else None,
            "channel": c.channel,
            "given_at": c.given_at.isoformat(),
            "withdrawn_at": c.withdrawn_at.isoformat() if c.withdrawn_at else None,
        }
        for c in Consent.objects.filter(complainant__complaint__id__in=ids)
        .select_related("agency")
        .order_by("id")
    ]
    data["transfers"] = [
        {
            "at": t.at.isoformat(),
            "kind": t.kind,
            "recipient": t.recipient,
            "case": t.complaint_reference,
            "basis": t.basis,
            "basis_reference": t.basis_reference,
            "purpose": t.purpose,
            "fields": t.fields,
        }
        for t in TransferRecord.objects.filter(complaint_reference__in=refs).order_by("seq")
    ]
    for name, fn in SECTIONS.items():
        data[name] = fn(ids)
    body = json.dumps(data, ensure_ascii=False, sort_keys=True)
    return {"sha256": hashlib.sha256(body.encode()).hexdigest(), "data": data}

"""The telephone and fax sections of a person's data export (PDPA s.30-31, OCC-11): what the
centre holds about their calls, recordings and faxes (OCC-5). Audio and images are described, not
embedded: the file itself is handed over only through the disclosure process of ``privacy``."""

from __future__ import annotations

from django.db.models import Q

from privacy.ops.services.export import export_section

from .models import Call, Fax, Recording


def _at(value) -> str | None:
    return value.isoformat() if value else None


@export_section("calls")
def calls(complaint_ids: list[int]) -> list[dict]:
    return [
        {
            "complaint": c.complaint.reference,
            "caller_number": c.caller_number,
            "called_line": c.called_line,
            "started_at": _at(c.started_at),
            "answered_at": _at(c.answered_at),
            "ended_at": _at(c.ended_at),
        }
        for c in Call.objects.filter(complaint_id__in=complaint_ids)
        .select_related("complaint")
        .order_by("id")
    ]


@export_section("recordings")
def recordings(complaint_ids: list[int]) -> list[dict]:
    return [
        {
            "codec": r.codec,
            "content_type": r.content_type,
            "duration_seconds": r.duration_seconds,
            "size": r.size,
            "sha256": r.sha256,
            "created_at": r.created_at.isoformat(),
        }
        for r in Recording.objects.filter(
            Q(complaint_id__in=complaint_ids) | Q(call__complaint_id__in=complaint_ids)
        ).order_by("id")
    ]


@export_section("faxes")
def faxes(complaint_ids: list[int]) -> list[dict]:
    return [
        {
            "complaint": f.complaint.reference,
            "sender_number": f.sender_number,
            "pages": f.pages,
            "content_type": f.content_type,
            "sha256": f.sha256,
            "received_at": f.received_at.isoformat(),
        }
        for f in Fax.objects.filter(complaint_id__in=complaint_ids).select_related("complaint").order_by("id")
    ]

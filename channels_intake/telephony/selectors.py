"""Reads for agents, scoped like every case read (complaints.selectors)."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from complaints.models import Complaint
from complaints.permissions import can_read_cases
from complaints.selectors import complaint_visible
from privacy.services import access_log_record

from .models import Call, Fax, Recording


def recordings_of(complaint: Complaint) -> QuerySet[Recording]:
    return Recording.objects.filter(Q(complaint=complaint) | Q(call__complaint=complaint)).order_by("created_at")


def recording_get(*, actor, pk: int) -> Recording:
    rec = Recording.objects.select_related("call", "complaint").filter(pk=pk).first()
    if rec is None:
        raise Http404
    complaint_id = rec.complaint_id or (rec.call.complaint_id if rec.call_id else None)
    visible = complaint_visible(actor=actor)
    if complaint_id is None:
        if not can_read_cases(actor):  # a call not yet linked: centre staff only
            raise Http404
    elif not visible.filter(pk=complaint_id).exists():
        raise Http404
    return rec


def call_get(*, actor, call_id: str) -> Call:
    if not can_read_cases(actor):
        raise Http404
    call = Call.objects.select_related("complaint").filter(call_id=call_id).first()
    if call is None:
        raise Http404
    return call


def calls_recent(*, actor, active_only: bool = False) -> QuerySet[Call]:
    if not can_read_cases(actor):
        return Call.objects.none()
    qs = Call.objects.select_related("complaint")
    return qs.filter(ended_at__isnull=True) if active_only else qs


def complaints_by_caller(*, actor, number: str) -> list[Complaint]:
    """Earlier complaints from the same number; the look-up itself is written to the access log."""
    if not can_read_cases(actor):
        return []
    rows = list(complaint_visible(actor=actor).filter(complainant__phone=number)
                .select_related("category", "complainant").order_by("-received_at")[:50])
    access_log_record(actor=actor, action="search", object_type="complainant",
                      rows=[(c.complainant_id, c.pk, c.complainant_id) for c in rows] or [(None, None, None)],
                      fields=["phone"], purpose="caller look-up")
    return rows


def faxes_pending(*, actor) -> QuerySet[Fax]:
    if not can_read_cases(actor):
        return Fax.objects.none()
    return Fax.objects.filter(transcribed_at__isnull=True).select_related("complaint").order_by("received_at")


def fax_get(*, actor, pk: int) -> Fax:
    fax = Fax.objects.select_related("complaint").filter(pk=pk).first()
    if fax is None or not complaint_visible(actor=actor).filter(pk=fax.complaint_id).exists():
        raise Http404
    return fax

"""Reads for the privacy desk, scoped to the actor's role."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils import timezone

from complaints.access import Can, actor_can, require
from privacy.models import TrafficRecord
from privacy.services import access_log_record

from .models import BreachRecord, CoveredComplaint, DataSubjectRequest, LegalHold, PurgeRun


def request_list(*, actor, overdue_only: bool = False) -> QuerySet[DataSubjectRequest]:
    """Overdue first, then by due date (the privacy officer's work queue)."""
    require(actor, Can.PRIVACY_READ)
    qs = (
        DataSubjectRequest.objects.select_related("complaint")
        .prefetch_related(
            Prefetch("covered", queryset=CoveredComplaint.objects.select_related("complaint").order_by("id"))
        )
        .exclude(status=DataSubjectRequest.Status.AWAITING_VERIFICATION)
    )
    if overdue_only:
        qs = qs.filter(status=DataSubjectRequest.Status.RECEIVED, due_at__lt=timezone.now())
    return qs.order_by("due_at", "id")


def request_get(*, actor, public_id, need: Can = Can.PRIVACY_READ) -> DataSubjectRequest:
    require(actor, need)
    obj = request_list(actor=actor).prefetch_related("evidence").filter(public_id=public_id).first()
    if obj is None:
        raise Http404
    return obj


def request_read(*, actor, public_id) -> DataSubjectRequest:
    """A request opened in full. What the person sent with it (new values to correct or add, their
    reasons) is their personal data, so showing it to staff is written to the access log."""
    obj = request_get(actor=actor, public_id=public_id)
    if obj.details:
        access_log_record(
            actor=actor,
            action="view",
            object_type="data_subject_request",
            rows=[(obj.complainant_id, obj.complaint_id, obj.pk)],
            fields=sorted(obj.details),
            purpose=f"data-subject request {obj.type}",
        )
    return obj


def request_for_tie(*, actor, public_id) -> DataSubjectRequest:
    """The request an agent ties another complaint to: the privacy desk's readers reach any; the
    staff who file on a person's behalf reach an open one by its id (they filed it, or the privacy
    officer handed it over), and see only what it covers."""
    if actor_can(actor, Can.PRIVACY_READ):
        return request_get(actor=actor, public_id=public_id)
    require(actor, Can.DSR_OPEN)
    obj = DataSubjectRequest.objects.filter(
        public_id=public_id, status=DataSubjectRequest.Status.RECEIVED
    ).first()
    if obj is None:
        raise Http404
    return obj


def holds_list(*, actor) -> QuerySet[LegalHold]:
    require(actor, Can.PRIVACY_READ)
    return LegalHold.objects.select_related("complaint", "recorded_by", "released_by")


def hold_get(*, actor, pk: int, need: Can = Can.PRIVACY_READ) -> LegalHold:
    require(actor, need)
    obj = holds_list(actor=actor).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def purge_runs(*, actor) -> QuerySet[PurgeRun]:
    require(actor, Can.PRIVACY_READ)
    return PurgeRun.objects.all()


def breaches(*, actor, overdue_only: bool = False) -> QuerySet[BreachRecord]:
    require(actor, Can.BREACH_READ)
    qs = BreachRecord.objects.all()
    if overdue_only:
        qs = qs.filter(regulator_notified_at__isnull=True, notify_by__lt=timezone.now())
    return qs


def breach_get(*, actor, pk: int, need: Can = Can.BREACH_READ) -> BreachRecord:
    require(actor, need)
    obj = breaches(actor=actor).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def is_reader(actor) -> bool:
    return actor_can(actor, Can.PRIVACY_READ)


def traffic_search(
    *,
    actor,
    ip: str | None = None,
    reference: str | None = None,
    path: str | None = None,
    since=None,
    until=None,
):
    """Retrospective investigation (MOST-1, KC-2): the traffic log by address, case, path and time,
    for the privacy officer and auditors only (404 for anyone else), newest first, at most 500."""
    require(actor, Can.PRIVACY_READ)
    rows = TrafficRecord.objects.all()
    if ip:
        rows = rows.filter(ip_address=ip)
    if reference:
        rows = rows.filter(complaint_reference=reference)
    if path:
        rows = rows.filter(path__startswith=path)
    if since:
        rows = rows.filter(at__gte=since)
    if until:
        rows = rows.filter(at__lt=until)
    return list(rows[:500])

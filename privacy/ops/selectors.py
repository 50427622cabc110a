"""Reads for the privacy desk, scoped to the actor's role."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from complaints.models import Role
from privacy.models import TrafficRecord

from .models import BreachRecord, DataSubjectRequest, LegalHold, PurgeRun

OFFICERS = {Role.PRIVACY_OFFICER, Role.ADMINISTRATOR}
READERS = OFFICERS | {Role.AUDITOR}


def _role(actor) -> str | None:
    return getattr(actor, "role", None) if getattr(actor, "is_authenticated", False) else None


def request_list(*, actor, overdue_only: bool = False) -> QuerySet[DataSubjectRequest]:
    """Overdue first, then by due date (the privacy officer's work queue)."""
    if _role(actor) not in READERS:
        return DataSubjectRequest.objects.none()
    qs = DataSubjectRequest.objects.select_related("complaint").exclude(
        status=DataSubjectRequest.Status.AWAITING_VERIFICATION
    )
    if overdue_only:
        qs = qs.filter(status=DataSubjectRequest.Status.RECEIVED, due_at__lt=timezone.now())
    return qs.order_by("due_at", "id")


def request_get(*, actor, public_id) -> DataSubjectRequest:
    obj = request_list(actor=actor).prefetch_related("evidence").filter(public_id=public_id).first()
    if obj is None:
        raise Http404
    return obj


def request_read(*, actor, public_id) -> DataSubjectRequest:
    """A request opened in full. What the person sent with it (new values to correct or add, their
    reasons) is their personal data, so showing it to staff is written to the access log."""
    from privacy.services import access_log_record

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


def holds_list(*, actor) -> QuerySet[LegalHold]:
    if _role(actor) not in READERS:
        return LegalHold.objects.none()
    return LegalHold.objects.select_related("complaint", "recorded_by", "released_by")


def hold_get(*, actor, pk: int) -> LegalHold:
    obj = holds_list(actor=actor).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def purge_runs(*, actor) -> QuerySet[PurgeRun]:
    return PurgeRun.objects.all() if _role(actor) in READERS else PurgeRun.objects.none()


def breaches(*, actor, overdue_only: bool = False) -> QuerySet[BreachRecord]:
    if _role(actor) not in READERS | {Role.SUPERVISOR}:
        return BreachRecord.objects.none()
    qs = BreachRecord.objects.all()
    if overdue_only:
        qs = qs.filter(regulator_notified_at__isnull=True, notify_by__lt=timezone.now())
    return qs


def breach_get(*, actor, pk: int) -> BreachRecord:
    obj = breaches(actor=actor).filter(pk=pk).first()
    if obj is None:
        raise Http404
    return obj


def is_reader(actor) -> bool:
    return _role(actor) in READERS


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
    if not is_reader(actor):
        raise Http404
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

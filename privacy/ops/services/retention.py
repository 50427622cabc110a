"""Retention: traffic data kept at least 90 days (KC-2), legal holds on an official's order up
to a ceiling, purges in bounded batches, anonymisation of closed complaints. Every run is logged."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from complaints.access import Can, require
from complaints.models import Complaint, Status
from privacy.models import TrafficRecord

from ..models import LegalHold, PurgeRun
from .erasure import complaint_anonymise
from .holds import active_holds, holds_covering_complaint  # noqa: F401 - holds_covering_complaint: callers' name


def legal_hold_place(
    *,
    actor,
    scope: str,
    order_reference: str,
    issuing_authority: str,
    expires_at: datetime,
    ip_address: str | None = None,
    time_from: datetime | None = None,
    time_to: datetime | None = None,
    complaint: Complaint | None = None,
) -> LegalHold:
    """Record an official's order to keep specific data longer (KC-2, CCA s.26)."""
    require(actor, Can.PRIVACY_DECIDE)
    now = timezone.now()
    errors: dict[str, list[str]] = {}
    ceiling = now + timedelta(days=settings.OCC_HOLD_CEILING_DAYS)
    if expires_at <= now:
        errors["expires_at"] = ["The hold must end in the future."]
    elif expires_at > ceiling:
        errors["expires_at"] = [
            f"An order may extend retention by at most {settings.OCC_HOLD_CEILING_DAYS} days "
            f"(until {timezone.localdate(ceiling).isoformat()}); this hold is beyond the ceiling."
        ]
    if not order_reference.strip():
        errors["order_reference"] = ["Give the order's reference."]
    if not issuing_authority.strip():
        errors["issuing_authority"] = ["Name the issuing authority."]
    if scope == LegalHold.Scope.IP and not ip_address:
        errors["ip_address"] = ["A hold by IP needs the IP address."]
    if scope == LegalHold.Scope.TIME_RANGE and not (time_from and time_to and time_from < time_to):
        errors["time_from"] = ["A hold by time range needs a start before its end."]
    if scope == LegalHold.Scope.CASE and complaint is None:
        errors["complaint"] = ["A hold by case needs the case."]
    if scope not in LegalHold.Scope.values:
        errors["scope"] = [f"Scope must be one of {', '.join(LegalHold.Scope.values)}."]
    if errors:
        raise ValidationError(errors)
    return LegalHold.objects.create(
        scope=scope,
        ip_address=ip_address,
        time_from=time_from,
        time_to=time_to,
        complaint=complaint,
        order_reference=order_reference.strip(),
        issuing_authority=issuing_authority.strip(),
        recorded_by=actor,
        expires_at=expires_at,
    )


def legal_hold_release(*, actor, hold: LegalHold, reason: str) -> LegalHold:
    require(actor, Can.PRIVACY_DECIDE)
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the hold is released."]})
    if hold.released_at:
        raise ValidationError({"hold": ["This hold was already released."]})
    hold.released_at = timezone.now()
    hold.released_by = actor
    hold.release_reason = reason.strip()
    hold.save(update_fields=["released_at", "released_by", "release_reason"])
    return hold


def _traffic_held_q(holds: list[LegalHold]) -> Q:
    q = Q(pk__in=[])  # matches nothing
    refs = []
    for hold in holds:
        if hold.scope == LegalHold.Scope.IP:
            q |= Q(ip_address=hold.ip_address)
        elif hold.scope == LegalHold.Scope.TIME_RANGE:
            q |= Q(at__gte=hold.time_from, at__lt=hold.time_to)
        elif hold.scope == LegalHold.Scope.CASE and hold.complaint_id:
            refs.append(hold.complaint.reference)
    if refs:
        q |= Q(complaint_reference__in=refs)
    return q


def traffic_purge(*, now: datetime | None = None, batch_size: int | None = None) -> PurgeRun:
    """Delete traffic records older than the retention floor, except those under an active hold.

    Works in batches of ids (memory does not grow with the number of rows)."""
    started = timezone.now()
    now = now or started
    batch_size = batch_size or settings.OCC_PURGE_BATCH
    days = max(90, settings.OCC_TRAFFIC_RETENTION_DAYS)
    cutoff = now - timedelta(days=days)
    holds = list(active_holds(now).select_related("complaint"))
    held_q = _traffic_held_q(holds)
    expired = TrafficRecord.objects.filter(at__lt=cutoff)
    candidates = expired.exclude(held_q)
    purged = batches = 0
    while True:
        ids = list(candidates.order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            break
        deleted, _ = TrafficRecord.objects.filter(id__in=ids).delete()
        purged += deleted
        batches += 1
    held = expired.filter(held_q).count() if holds else 0
    return PurgeRun.objects.create(
        data_class="traffic_data",
        started_at=started,
        finished_at=timezone.now(),
        cutoff=cutoff,
        rows_purged=purged,
        rows_held=held,
        batches=batches,
        holds_respected=[h.order_reference for h in holds],
    )


def closed_complaints_anonymise(*, now: datetime | None = None, batch_size: int | None = None) -> PurgeRun:
    """Anonymise the personal data of complaints finished longer ago than the configured period,
    unless a legal hold covers the case."""
    started = timezone.now()
    now = now or started
    batch_size = batch_size or settings.OCC_PURGE_BATCH
    cutoff = now - timedelta(days=settings.OCC_CLOSED_ANONYMISE_AFTER_DAYS)
    held_ids = set(
        active_holds(now).filter(scope=LegalHold.Scope.CASE).values_list("complaint_id", flat=True)
    )
    due = Complaint.objects.filter(
        status__in=[Status.CLOSED, Status.REJECTED, Status.DUPLICATE],
        updated_at__lt=cutoff,
        complainant__anonymised_at__isnull=True,
    )
    done = batches = 0
    last_id = 0
    while True:
        ids = list(due.filter(id__gt=last_id).order_by("id").values_list("id", flat=True)[:batch_size])
        if not ids:
            break
        last_id = ids[-1]
        batches += 1
        for complaint in (
            Complaint.objects.filter(id__in=ids).exclude(id__in=held_ids).select_related("complainant")
        ):
            with transaction.atomic():
                complaint_anonymise(
                    complaint=complaint, actor=None, reason="retention period of closed case ended"
                )
            done += 1
    return PurgeRun.objects.create(
        data_class="closed_complaint_personal_data",
        started_at=started,
        finished_at=timezone.now(),
        cutoff=cutoff,
        rows_purged=done,
        rows_held=due.filter(id__in=held_ids).count(),
        batches=batches,
        holds_respected=sorted(
            h.order_reference for h in active_holds(now).filter(complaint_id__in=held_ids)
        ),
    )

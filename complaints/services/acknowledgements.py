"""The acknowledgement a citizen receives after intake: claimed once, queued through the outbox
(``OCC_OUTBOX_SOURCES``), swept when it was never sent."""

from __future__ import annotations

from datetime import timedelta

from django.db import connection, transaction
from django.utils import timezone

from occ import outbox

from ..models import (
    Channel,
    Complaint,
)


def complaint_acknowledgement_claim(*, complaint_id: int) -> bool:
    """Claim the right to send the acknowledgement exactly once; False if already claimed."""
    return bool(
        Complaint.objects.filter(pk=complaint_id, acknowledged_at__isnull=True).update(
            acknowledged_at=timezone.now()
        )
    )


def acknowledgements_due(now=None) -> list[int]:
    """Complaints whose e-mail acknowledgement was never sent (its task could not be queued, or its
    worker died), from ten minutes to three days old. The e-mail channel sends its own answer."""
    now = now or timezone.now()
    return list(
        Complaint.objects.filter(
            acknowledged_at__isnull=True,
            complainant__email__gt="",
            received_at__lt=now - timedelta(minutes=10),
            received_at__gte=now - timedelta(days=3),
        )
        .exclude(channel=Channel.EMAIL)
        .values_list("id", flat=True)[:500]
    )


_ACK_TASK = "complaints.tasks.complaint_acknowledge"


def acknowledgements_relay(*, limit: int = 200, ids: list[int] | None = None) -> tuple[int, int]:
    """Outbox source (settings.OCC_OUTBOX_SOURCES): hand the due acknowledgements to Celery.
    Claims with SKIP LOCKED, publishes, clears the flag in the same transaction; a failed publish
    keeps the flag for the next pass. Returns (published, failed)."""
    due = Complaint.objects.filter(acknowledgement_due=True)
    if ids is not None:
        due = due.filter(pk__in=ids)
    if outbox.eager():  # no broker: claim each by clearing its flag, then run it here
        done = failed = 0
        for pk in list(due.order_by("id").values_list("pk", flat=True)[:limit]):
            if not Complaint.objects.filter(pk=pk, acknowledgement_due=True).update(
                acknowledgement_due=False
            ):
                continue
            try:
                outbox.publish(_ACK_TASK, [pk])
                done += 1
            except Exception:  # noqa: BLE001 - due again: the next relay pass or the sweep retries it
                Complaint.objects.filter(pk=pk).update(acknowledgement_due=True)
                failed += 1
        return done, failed
    published: list[int] = []
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        for pk in due.order_by("id").values_list("pk", flat=True)[:limit]:
            try:
                outbox.publish(_ACK_TASK, [pk])
            except Exception:  # noqa: BLE001 - broker away: the flag stays, the next pass retries
                if published:
                    Complaint.objects.filter(pk__in=published).update(acknowledgement_due=False)
                return len(published), 1
            published.append(pk)
        if published:
            Complaint.objects.filter(pk__in=published).update(acknowledgement_due=False)
    return len(published), 0


def complaint_acknowledgement_release(*, complaint_id: int) -> None:
    Complaint.objects.filter(pk=complaint_id).update(acknowledged_at=None)

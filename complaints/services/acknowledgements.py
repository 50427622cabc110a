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


_ACK_BATCH_TASK = "complaints.tasks.complaint_acknowledge_batch"
# Acknowledgements per task message: one publish per pass and per this many, so a pass costs the
# broker a message or a few instead of one per complaint, and one slow mail server holds up few.
ACK_BATCH_SIZE = 50


def _publish_batches(pks: list[int]) -> int:
    """Publish ``pks`` in messages of ACK_BATCH_SIZE; how many were published before a failure."""
    done = 0
    for start in range(0, len(pks), ACK_BATCH_SIZE):
        chunk = pks[start : start + ACK_BATCH_SIZE]
        try:
            outbox.publish(_ACK_BATCH_TASK, [chunk])
        except Exception:  # noqa: BLE001 - broker away: the caller keeps the rest due
            break
        done += len(chunk)
    return done


def acknowledgements_relay(*, limit: int = 200, ids: list[int] | None = None) -> tuple[int, int]:
    """Outbox source (settings.OCC_OUTBOX_SOURCES): hand the due acknowledgements to Celery,
    ACK_BATCH_SIZE per message (complaints.tasks.complaint_acknowledge_batch). Claims with SKIP
    LOCKED, publishes, clears the flag in the same transaction; a failed publish keeps the flag of
    every complaint it did not hand over, for the next pass. Returns (published, failed), counted
    in acknowledgements."""
    due = Complaint.objects.filter(acknowledgement_due=True)
    if ids is not None:
        due = due.filter(pk__in=ids)
    if outbox.eager():  # no broker: claim each by clearing its flag, then run them here
        claimed = [
            pk
            for pk in list(due.order_by("id").values_list("pk", flat=True)[:limit])
            if Complaint.objects.filter(pk=pk, acknowledgement_due=True).update(acknowledgement_due=False)
        ]
        done = _publish_batches(claimed)
        if done < len(claimed):  # due again: the next relay pass or the sweep retries them
            Complaint.objects.filter(pk__in=claimed[done:]).update(acknowledgement_due=True)
        return done, int(done < len(claimed))
    with transaction.atomic():
        if connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True)
        pks = list(due.order_by("id").values_list("pk", flat=True)[:limit])
        done = _publish_batches(pks)
        if done:
            Complaint.objects.filter(pk__in=pks[:done]).update(acknowledgement_due=False)
    return done, int(done < len(pks))


def complaint_acknowledgement_release(*, complaint_id: int) -> None:
    Complaint.objects.filter(pk=complaint_id).update(acknowledged_at=None)

"""Thin tasks: load by id, call a service. Each is safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.utils import timezone

from occ import outbox
from privacy.processors import ProcessorRefused

from . import notifications
from .models import Complaint, IdempotencyRecord
from .services import acknowledgements

log = logging.getLogger(__name__)


@shared_task(
    name="complaints.tasks.complaint_acknowledge",
    soft_time_limit=30,
    time_limit=60,
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=8,
)
def complaint_acknowledge(self, complaint_id: int) -> bool:
    """Send the citizen an acknowledgement once (claim first, release if sending fails)."""
    return _acknowledge(complaint_id)


def _acknowledge(complaint_id: int) -> bool:
    if not acknowledgements.complaint_acknowledgement_claim(complaint_id=complaint_id):
        return False
    complaint = Complaint.objects.select_related("complainant", "category").get(pk=complaint_id)
    try:
        sent = notifications.acknowledgement_send(complaint)
    except ProcessorRefused:
        # not sent, and not retried now: the sweep tries again once the register is put right
        acknowledgements.complaint_acknowledgement_release(complaint_id=complaint_id)
        return False
    except (OSError, SoftTimeLimitExceeded):
        acknowledgements.complaint_acknowledgement_release(complaint_id=complaint_id)
        log.warning("acknowledgement for complaint id=%s failed; will retry", complaint_id)
        raise
    return sent


@shared_task(name="complaints.tasks.complaint_acknowledge_batch", soft_time_limit=300, time_limit=330)
def complaint_acknowledge_batch(complaint_ids: list[int]) -> int:
    """The acknowledgements one relay pass found due, in one message (one publish per pass instead
    of one per complaint: acknowledgements_relay). Each is claimed and sent as
    complaint_acknowledge would; one whose sending fails (or that the time limit cut off, with
    those after it) is queued alone through the outbox, for complaint_acknowledge's retries with
    back-off. Safe to run twice: the claim sends each at most once."""
    sent = 0
    for position, complaint_id in enumerate(complaint_ids):
        try:
            sent += _acknowledge(complaint_id)
        except OSError:
            outbox.enqueue(complaint_acknowledge, complaint_id)
        except SoftTimeLimitExceeded:
            for rest in complaint_ids[position:]:
                outbox.enqueue(complaint_acknowledge, rest)
            raise
    return sent


@shared_task(name="complaints.tasks.acknowledgements_retry_due", soft_time_limit=30, time_limit=60)
def acknowledgements_retry_due() -> int:
    """Beat: queue (outbox, then a relay pass) the acknowledgements never sent (acknowledgements.acknowledgements_due)."""
    ids = acknowledgements.acknowledgements_due()
    for complaint_id in ids:
        outbox.enqueue(complaint_acknowledge, complaint_id)
    outbox.relay_now()
    return len(ids)


@shared_task(name="complaints.tasks.idempotency_records_purge", soft_time_limit=600, time_limit=660)
def idempotency_records_purge() -> int:
    cutoff = timezone.now() - timedelta(hours=settings.OCC["IDEMPOTENCY_TTL_HOURS"])
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted

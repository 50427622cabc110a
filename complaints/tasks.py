"""Thin tasks: load by id, call a service. Each is safe to run twice."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from occ import outbox
from privacy.processors import ProcessorRefused
from privacy.transfer_log import seal

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
    if not acknowledgements.complaint_acknowledgement_claim(complaint_id=complaint_id):
        return False
    complaint = Complaint.objects.select_related("complainant", "category").get(pk=complaint_id)
    try:
        sent = notifications.acknowledgement_send(complaint)
    except ProcessorRefused:
        # not sent, and not retried now: the sweep tries again once the register is put right
        acknowledgements.complaint_acknowledgement_release(complaint_id=complaint_id)
        return False
    except OSError:
        acknowledgements.complaint_acknowledgement_release(complaint_id=complaint_id)
        log.warning("acknowledgement for complaint id=%s failed; will retry", complaint_id)
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


@shared_task(
    name="complaints.tasks.referral_deliver", soft_time_limit=60, time_limit=90, bind=True, acks_late=True
)
def referral_deliver(self, referral_id: int) -> str:
    """Deliver one referral; safe to run twice (a conditional claim; one transfer record per delivery id)."""
    from .referrals import referral_deliver as deliver

    return deliver(referral_id=referral_id)


@shared_task(name="complaints.tasks.referrals_retry_due", soft_time_limit=30, time_limit=60)
def referrals_retry_due() -> int:
    """Beat: queue (outbox, then a relay pass) deliveries whose back-off has passed or whose worker died."""
    from .referrals import referrals_due

    ids = referrals_due()
    for referral_id in ids:
        outbox.enqueue(referral_deliver, referral_id)
    outbox.relay_now()
    return len(ids)


@shared_task(name="complaints.tasks.transfer_log_seal", soft_time_limit=600, time_limit=660)
def transfer_log_seal() -> int:
    return seal().head_seq


@shared_task(
    name="complaints.tasks.notice_deliver", soft_time_limit=60, time_limit=90, bind=True, acks_late=True
)
def notice_deliver(self, notice_id: int) -> str:
    """Deliver one recipient notice; safe to run twice (a conditional claim; one transfer record)."""
    from .notices import notice_deliver as deliver

    return deliver(notice_id=notice_id)


@shared_task(name="complaints.tasks.notices_retry_due", soft_time_limit=30, time_limit=60)
def notices_retry_due() -> int:
    """Beat: queue (outbox, then a relay pass) recipient notices whose back-off has passed or whose worker died."""
    from .notices import notices_due

    ids = notices_due()
    for notice_id in ids:
        outbox.enqueue(notice_deliver, notice_id)
    outbox.relay_now()
    return len(ids)

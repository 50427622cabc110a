"""Thin tasks of routing: load by id, call a service. Each is safe to run twice (a conditional claim;
one transfer record per delivery id)."""

from __future__ import annotations

from celery import shared_task

from occ import outbox

from . import notices, referrals


@shared_task(
    name="routing.tasks.referral_deliver", soft_time_limit=60, time_limit=90, bind=True, acks_late=True
)
def referral_deliver(self, referral_id: int) -> str:
    """Deliver one referral; safe to run twice (a conditional claim; one transfer record per delivery id)."""
    return referrals.referral_deliver(referral_id=referral_id)


@shared_task(name="routing.tasks.referrals_retry_due", soft_time_limit=30, time_limit=60)
def referrals_retry_due() -> int:
    """Beat: queue (outbox, then a relay pass) deliveries whose back-off has passed or whose worker died."""
    ids = referrals.referrals_due()
    for referral_id in ids:
        outbox.enqueue(referral_deliver, referral_id)
    outbox.relay_now()
    return len(ids)


@shared_task(
    name="routing.tasks.notice_deliver", soft_time_limit=60, time_limit=90, bind=True, acks_late=True
)
def notice_deliver(self, notice_id: int) -> str:
    """Deliver one recipient notice; safe to run twice (a conditional claim; one transfer record)."""
    return notices.notice_deliver(notice_id=notice_id)


@shared_task(name="routing.tasks.notices_retry_due", soft_time_limit=30, time_limit=60)
def notices_retry_due() -> int:
    """Beat: queue (outbox, then a relay pass) recipient notices whose back-off has passed or whose worker died."""
    ids = notices.notices_due()
    for notice_id in ids:
        outbox.enqueue(notice_deliver, notice_id)
    outbox.relay_now()
    return len(ids)


# --- deploy bridge: remove in the release after the routing app's ----------------------------------
# Messages queued in the broker before the deploy carry the names these tasks had in complaints
# (routing 0001 renames waiting outbox rows, not what Redis already holds). The same work runs
# under the old names, so nothing waits for a sweep.


@shared_task(
    name="complaints.tasks.referral_deliver", soft_time_limit=60, time_limit=90, bind=True, acks_late=True
)
def referral_deliver_under_old_name(self, referral_id: int) -> str:
    return referrals.referral_deliver(referral_id=referral_id)


@shared_task(
    name="complaints.tasks.notice_deliver", soft_time_limit=60, time_limit=90, bind=True, acks_late=True
)
def notice_deliver_under_old_name(self, notice_id: int) -> str:
    return notices.notice_deliver(notice_id=notice_id)

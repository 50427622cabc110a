"""Thin tasks of routing: load by id, call a service. Each is safe to run twice (a conditional claim;
one transfer record per delivery id)."""

from __future__ import annotations

import logging

from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded

from occ import outbox
from occ.observability.logs import request_id_var

from . import notices, referrals


@shared_task(
    name="routing.tasks.referral_deliver", soft_time_limit=60, time_limit=90, bind=True, acks_late=True
)
def referral_deliver(self, referral_id: int) -> str:
    """Deliver one referral; safe to run twice (a conditional claim; one transfer record per delivery id)."""
    return referrals.referral_deliver(referral_id=referral_id)


log = logging.getLogger(__name__)


# A batch of up to OCC_OUTBOX_BATCH_SIZE (10) deliveries, each bounded by the webhook's connect and
# read timeouts (5 + 15 s): the limits allow all of them. A batch cut short leaves the rest pending
# or sending, which the sweep (referrals_retry_due) takes up after the lease, as for a dead worker.
@shared_task(
    name="routing.tasks.referrals_deliver", soft_time_limit=300, time_limit=330, bind=True, acks_late=True
)
def referrals_deliver(self, referral_ids: list[int], request_ids: list[str] | None = None) -> list[str]:
    """Deliver several referrals (the relay's batch of consecutive outbox rows), each exactly as
    referral_deliver delivers one: its own claim, gate and transaction, its request id in the
    logs. One that fails does not stop the others (it stays sending; the sweep retries it)."""
    outcomes = []
    for n, referral_id in enumerate(referral_ids):
        asked_by = request_ids[n] if request_ids and n < len(request_ids) else ""
        token = request_id_var.set(asked_by or request_id_var.get())
        try:
            outcomes.append(referrals.referral_deliver(referral_id=referral_id))
        except SoftTimeLimitExceeded:
            raise
        except Exception:  # noqa: BLE001 - one referral's failure must not stop the others
            log.exception("referral %s: delivery raised; the sweep will retry it", referral_id)
            outcomes.append("error")
        finally:
            request_id_var.reset(token)
    return outcomes


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

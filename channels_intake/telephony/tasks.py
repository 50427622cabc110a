"""Thin tasks: load by id, call a service. Each is safe to run twice."""

from __future__ import annotations

from celery import shared_task

from occ import outbox

from . import services


@shared_task(
    name="channels_intake.telephony.tasks.fax_previews",
    soft_time_limit=300,
    time_limit=360,
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=6,
)
def fax_previews(self, fax_id: int) -> int:
    """PNG previews of each page of a fax; running it again renders nothing new. Storage errors
    (OSError) are retried with back-off; a page that cannot be rendered is recorded on the fax."""
    return services.fax_previews_render(fax_id=fax_id)


@shared_task(name="channels_intake.telephony.tasks.fax_previews_retry_due", soft_time_limit=30, time_limit=60)
def fax_previews_retry_due() -> int:
    """Beat: queue (outbox, then a relay pass) the previews of faxes still pending (services.fax_previews_due)."""
    ids = services.fax_previews_due()
    for fax_id in ids:
        outbox.enqueue(fax_previews, fax_id)
    outbox.relay_now()
    return len(ids)


@shared_task(
    name="channels_intake.telephony.tasks.uploads_purge_expired", soft_time_limit=600, time_limit=660
)
def uploads_purge_expired() -> int:
    """Beat: abort resumable uploads past their expiry and remove their chunks."""
    return services.uploads_purge_expired()

"""Periodic privacy work (beat schedule in occ/settings/parts/privacy_ops.py). Each is idempotent:
a second run finds nothing left to do."""

from celery import shared_task
from django.utils import timezone

from .models import LegalHold
from .services import retention


@shared_task(name="privacy.ops.tasks.traffic_purge", soft_time_limit=600, time_limit=660)
def traffic_purge() -> dict:
    run = retention.traffic_purge()
    return {"purged": run.rows_purged, "held": run.rows_held}


@shared_task(name="privacy.ops.tasks.closed_complaints_anonymise", soft_time_limit=600, time_limit=660)
def closed_complaints_anonymise() -> dict:
    run = retention.closed_complaints_anonymise()
    return {"anonymised": run.rows_purged, "held": run.rows_held}


@shared_task(name="privacy.ops.tasks.legal_holds_expire", soft_time_limit=30, time_limit=60)
def legal_holds_expire() -> int:
    """Close holds whose order ran out, so the register shows why data became purgeable."""
    now = timezone.now()
    return LegalHold.objects.filter(released_at__isnull=True, expires_at__lte=now).update(
        released_at=now, release_reason="order expired"
    )

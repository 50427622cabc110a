"""Periodic privacy work (beat schedule in occ/settings/parts/privacy_ops.py). Each is idempotent:
a second run finds nothing left to do."""

from celery import shared_task
from django.utils import timezone

from .models import LegalHold
from .services import retention


@shared_task
def traffic_purge() -> dict:
    run = retention.traffic_purge()
    return {"purged": run.rows_purged, "held": run.rows_held}


@shared_task
def closed_complaints_anonymise() -> dict:
    run = retention.closed_complaints_anonymise()
    return {"anonymised": run.rows_purged, "held": run.rows_held}


@shared_task
def legal_holds_expire() -> int:
    """Close holds whose order ran out, so the register shows why data became purgeable."""
    now = timezone.now()
    return LegalHold.objects.filter(released_at__isnull=True, expires_at__lte=now).update(
        released_at=now, release_reason="order expired"
    )

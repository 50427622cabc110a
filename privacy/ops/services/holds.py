"""Which legal holds are in force (KC-2, CCA s.26): read by retention, erasure and data-subject
requests before anything is removed. Placing and releasing a hold is ``retention``'s."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from complaints.models import Complaint

from ..models import LegalHold


def active_holds(now: datetime | None = None):
    now = now or timezone.now()
    return LegalHold.objects.filter(released_at__isnull=True, expires_at__gt=now)


def holds_covering_complaint(complaint: Complaint, now: datetime | None = None) -> list[LegalHold]:
    return list(active_holds(now).filter(scope=LegalHold.Scope.CASE, complaint=complaint))

"""Reads for partner apps: a key reaches the requests its own app filed, nothing else (404)."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import QuerySet
from django.utils import timezone

from complaints.models import Category, Status

from .models import Open311Request, PartnerApp

CLOSED = (Status.RESOLVED, Status.CLOSED, Status.REJECTED, Status.DUPLICATE)
MAX_SPAN = timedelta(days=90)
MAX_ROWS = 1000


def service_list() -> QuerySet[Category]:
    return Category.objects.filter(is_active=True)


def service_get(code: str) -> Category | None:
    return Category.objects.filter(is_active=True, code=code).first()


def _of(app: PartnerApp) -> QuerySet[Open311Request]:
    return Open311Request.objects.filter(app=app).select_related("complaint", "complaint__category")


def request_of_app(*, app: PartnerApp, reference: str) -> Open311Request | None:
    return _of(app).filter(complaint__reference=reference).first()


def token_of_app(*, app: PartnerApp, token: str) -> Open311Request | None:
    return _of(app).filter(token=token).first()


def requests_of_app(
    *,
    app: PartnerApp,
    references: list[str] | None = None,
    service_codes: list[str] | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    statuses: list[str] | None = None,
) -> list[Open311Request]:
    """The specification's search: ids override everything else; otherwise at most 90 days
    (the most recent 90 when no date is given) and at most 1,000 requests, newest first."""
    rows = _of(app)
    if references:
        return list(rows.filter(complaint__reference__in=references)[:MAX_ROWS])
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        start = end - MAX_SPAN
    if end is None:
        end = start + MAX_SPAN
    rows = rows.filter(complaint__received_at__gte=start, complaint__received_at__lte=end)
    if service_codes:
        rows = rows.filter(complaint__category__code__in=service_codes)
    if statuses and set(statuses) != {"open", "closed"}:
        rows = (
            rows.filter(complaint__status__in=CLOSED)
            if statuses == ["closed"]
            else rows.exclude(complaint__status__in=CLOSED)
        )
    return list(rows.order_by("-complaint__received_at", "-id")[:MAX_ROWS])

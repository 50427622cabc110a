"""Traffic log of public requests (OCC-4, DD-1, MOST-2, KC-2)."""

from __future__ import annotations

import logging

from django.utils import timezone

from occ.http import client_ip
from occ.rows import new, rows_insert

from .models import TrafficRecord

log = logging.getLogger(__name__)

PUBLIC_PREFIXES = (
    "/api/v1/complaints/",
    "/api/v1/track/",
    "/api/v1/categories/",
    "/open311/",
    "/api/v1/privacy/requests/",
    "/api/v1/privacy/policy/",
    "/api/v1/privacy/notices/",
    "/api/v1/privacy/cookies/",
    "/file/",
    "/track/",
    "/my-data/",
    "/privacy-policy/",
    "/cookies/",
    "/statistics/",
)


def traffic_mark(request, *, channel: str | None = None, reference: str | None = None) -> None:
    """Let a view tell the traffic log which channel and case a request belonged to."""
    target = getattr(request, "_request", request)  # DRF wraps the Django request
    if channel is not None:
        target.occ_channel = channel
    if reference is not None:
        target.occ_reference = reference


def _record(request, status_code: int, reference: str | None = None, *, later: bool = False) -> TrafficRecord:
    record = new(
        TrafficRecord,
        at=timezone.now(),
        ip_address=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", "")[:500],
        host=_host(request),
        method=request.method[:10],
        path=request.path[:500],
        referrer=request.META.get("HTTP_REFERER", "")[:1000],
        status_code=status_code,
        channel=getattr(request, "occ_channel", ""),
        complaint_reference=getattr(request, "occ_reference", "") if reference is None else reference,
    )
    rows_insert([record], later=later)  # create()'s INSERT, the SQL compiled once (occ/rows.py)
    return record


def traffic_record_in_transaction(request, *, status_code: int, reference: str) -> None:
    """Write this request's traffic record now, inside the caller's transaction (the intake's:
    one commit instead of two); the middleware then writes none for a response with that status.
    If the transaction fails, the answer differs and the middleware records it as usual."""
    target = getattr(request, "_request", request)
    _record(target, status_code, reference, later=True)  # with the intake's rows (rows_together)
    target.occ_traffic_written = status_code


def _host(request) -> str:
    try:
        return request.get_host()[:255]
    except Exception:  # noqa: BLE001 - a disallowed Host header is still recorded raw
        return request.META.get("HTTP_HOST", "")[:255]


class TrafficLogMiddleware:
    """Writes one TrafficRecord per public request, after the response is produced.

    A failure to log never breaks the citizen's request; it is reported in the log instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(request, "occ_traffic_written", None) == response.status_code:
            return response  # written in the intake's own transaction
        if request.path == "/" or request.path.startswith(PUBLIC_PREFIXES):
            try:
                _record(request, response.status_code)
            except Exception:  # noqa: BLE001 - logging must not break intake
                log.exception("could not write traffic record")
        return response

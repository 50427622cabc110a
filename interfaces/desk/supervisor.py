"""Supervisor view: volumes by channel, category and day as charts (inline SVG drawn on the server,
no script, no CDN, each with its numbers as a table), SLA breaches, failed transfers with resend."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Count
from django.db.models.functions import TruncDate
from django.shortcuts import render
from django.utils import timezone, translation

from channels_intake.selectors import inbound_quarantine_list
from complaints import selectors
from complaints.access import Can
from complaints.models import Channel
from routing import selectors as routing_selectors
from routing.models import Referral

from ..auth import staff_page
from .queues import OPEN

DAYS = 14
BAR_WIDTH = 300


def bars(rows: list[tuple[str, int]]) -> dict:
    """Horizontal bars: one row per label, widths scaled to the largest value."""
    top = max([n for _, n in rows] or [0]) or 1
    return {
        "rows": [
            {"label": label, "n": n, "width": round(BAR_WIDTH * n / top), "y": 24 * i}
            for i, (label, n) in enumerate(rows)
        ],
        "height": 24 * len(rows) + 4,
        "total": sum(n for _, n in rows),
    }


def columns(rows: list[tuple[str, int]], height: int = 160) -> dict:
    """Vertical columns for a time series (one per day, zero days included)."""
    top = max([n for _, n in rows] or [0]) or 1
    step = 36
    return {
        "rows": [
            {
                "label": label,
                "n": n,
                "x": 8 + step * i,
                "h": round(height * n / top),
                "y": 20 + height - round(height * n / top),
            }
            for i, (label, n) in enumerate(rows)
        ],
        "width": 16 + step * len(rows),
        "height": height + 52,
        "base": 20 + height,
        "total": sum(n for _, n in rows),
    }


def _day_label(d) -> str:
    return f"{d.day}/{d.month}"


@staff_page(Can.SUPERVISE)
def supervisor(request):
    user = request.user
    today = timezone.localdate()
    start = today - timedelta(days=DAYS - 1)
    visible = selectors.complaint_visible(actor=user)
    recent = visible.filter(received_at__date__gte=start)
    by_channel = dict(recent.order_by().values_list("channel").annotate(n=Count("id")))
    name_field = "category__name_en" if translation.get_language() == "en" else "category__name_th"
    by_category = [
        (name or "—", n)
        for name, n in recent.order_by()
        .values_list(name_field)
        .annotate(n=Count("id"))
        .order_by("-n", name_field)
    ]
    per_day = dict(
        recent.order_by().annotate(d=TruncDate("received_at")).values_list("d").annotate(n=Count("id"))
    )
    days = [start + timedelta(days=i) for i in range(DAYS)]
    breaches = list(
        selectors.complaint_list(actor=user, filters=selectors.ComplaintFilters())
        .filter(OPEN, sla_due_at__lt=timezone.now())
        .order_by("sla_due_at", "id")[:50]
    )
    selectors.personal_data_read_log(actor=user, complaints=breaches, action="list")
    failed = list(
        routing_selectors.referrals_for_supervision(actor=user, state=Referral.State.FAILED).order_by(
            "-created_at"
        )[:50]
    )
    # referrals the disclosure gate withdrew at a release, with the reason code
    withdrawn = list(
        routing_selectors.referrals_for_supervision(actor=user, state=Referral.State.WITHDRAWN).order_by(
            "-withdrawn_at"
        )[:50]
    )
    return render(
        request,
        "desk/supervisor.html",
        {
            "channel": bars([(str(label), by_channel.get(value, 0)) for value, label in Channel.choices]),
            "category": bars(by_category),
            "day": columns([(_day_label(d), per_day.get(d, 0)) for d in days]),
            "days_from": start,
            "days_to": today,
            "breaches": breaches,
            "failed": failed,
            "withdrawn": withdrawn,
            "quarantined": inbound_quarantine_list(actor=user).count(),
            "now": timezone.now(),
        },
    )

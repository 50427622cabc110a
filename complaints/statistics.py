"""Aggregate statistics of complaints (MOST-1, OCC-10): by category, channel, province and month,
time to first answer, and referrals by agency; for staff and for the public page.

No statistic may identify a person, so no count under ``MIN_CELL`` (5) is shown: such a cell is
suppressed (``None``). Where a table's total is shown and only one of its cells is suppressed,
the next smallest is suppressed too, so no hidden cell can be worked out by subtraction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from statistics import median

from django.core.exceptions import ValidationError
from django.db.models import Count, Min, Q
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from . import hooks
from .models import Channel, Complaint, TimelineEvent

MIN_CELL = 5
ANSWERS = (TimelineEvent.Kind.STATUS, TimelineEvent.Kind.PUBLIC_UPDATE, TimelineEvent.Kind.REFERRAL)


@dataclass(frozen=True)
class Cell:
    key: str
    label: str
    count: int | None  # None: suppressed

    def as_dict(self) -> dict:
        return {"key": self.key, "label": self.label, "count": self.count, "suppressed": self.count is None}


def suppress(counts: list[tuple[str, str, int]]) -> list[Cell]:
    """Hide every count of 1 to 4; when that hides exactly one cell, hide the next smallest too."""
    cells = [Cell(k, label, n if n == 0 or n >= MIN_CELL else None) for k, label, n in counts]
    hidden = [c for c in cells if c.count is None]
    if len(hidden) == 1:
        shown = sorted((c for c in cells if c.count), key=lambda c: c.count)
        if shown:
            cells = [Cell(c.key, c.label, None) if c is shown[0] else c for c in cells]
    return cells


def _total(n: int) -> int | None:
    return n if n == 0 or n >= MIN_CELL else None


def statistics_period(first: str | None, last: str | None) -> tuple[datetime, datetime]:
    """[start, end) from months ``YYYY-MM`` (Bangkok time); default the last 12 months. A bad
    month raises ValidationError naming the parameter."""
    tz = timezone.get_current_timezone()
    today = timezone.localdate()

    def month(value: str | None, name: str, default: tuple[int, int]) -> tuple[int, int]:
        if not value:
            return default
        try:
            year, mon = (int(p) for p in value.split("-", 1))
            datetime(year, mon, 1)
        except ValueError as exc:
            raise ValidationError({name: [_("A month as YYYY-MM.")]}) from exc
        return year, mon

    ly, lm = month(last, "to", (today.year, today.month))
    fy, fm = month(first, "from", (ly - 1, lm + 1) if lm < 12 else (ly, 1))
    start = datetime(fy, fm, 1, tzinfo=tz)
    end = datetime(ly + (lm == 12), lm % 12 + 1, 1, tzinfo=tz)
    if end <= start:
        raise ValidationError({"from": [_("The first month comes before the last.")]})
    return start, end


def complaint_statistics(*, start: datetime, end: datetime) -> dict:
    """The tables for complaints received in [start, end), labels in the active language."""
    en = translation.get_language() == "en"
    rows = Complaint.objects.filter(received_at__gte=start, received_at__lt=end)
    total = rows.count()

    by_category = [
        (
            r["category__code"] or "-",
            (r["category__name_en"] if en else r["category__name_th"]) or _("not yet triaged"),
            r["n"],
        )
        for r in rows.values("category__code", "category__name_th", "category__name_en")
        .annotate(n=Count("id"))
        .order_by("category__code")
    ]
    channel_counts = dict(rows.values_list("channel").annotate(n=Count("id")).order_by())
    by_channel = [(c.value, str(c.label), channel_counts.get(c.value, 0)) for c in Channel]
    by_province = [
        (r["incident_province"] or "-", r["incident_province"] or _("not given"), r["n"])
        for r in rows.values("incident_province").annotate(n=Count("id")).order_by("incident_province")
    ]
    by_month = [
        (r["month"].strftime("%Y-%m"), r["month"].strftime("%Y-%m"), r["n"])
        for r in rows.annotate(month=TruncMonth("received_at", tzinfo=timezone.get_current_timezone()))
        .values("month")
        .annotate(n=Count("id"))
        .order_by("month")
    ]

    first = rows.annotate(
        answered=Min("events__created_at", filter=Q(events__kind__in=ANSWERS, events__actor__isnull=False))
    ).values_list("received_at", "answered")
    hours = [(a - r).total_seconds() / 3600 for r, a in first if a is not None]
    answered = len(hours)
    first_answer = {
        "answered": _total(answered),
        "median_hours": round(median(hours), 1) if answered >= MIN_CELL else None,
        "suppressed": answered < MIN_CELL,
    }

    by_agency = [
        (code, name_en if en else name_th, n)
        for code, name_th, name_en, n in hooks.referrals_by_agency(start, end)
    ]

    def table(counts):
        return [c.as_dict() for c in suppress(counts)]

    return {
        "from": start.isoformat(),
        "to": end.isoformat(),
        "minimum_cell": MIN_CELL,
        "total": _total(total),
        "by_category": table(by_category),
        "by_channel": table(by_channel),
        "by_province": table(by_province),
        "by_month": table(by_month),
        "time_to_first_answer": first_answer,
        "referrals_by_agency": table(by_agency),
    }

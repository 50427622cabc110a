"""Dates as a Thai reader reads them (Buddhist era = CE + 543) and as an English reader does. Used by
the templates (occ_tags) and by the gate's display of stored basis references."""

from __future__ import annotations

from datetime import date, datetime

from django.utils import timezone, translation

TH_MONTHS = [
    "",
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
]
EN_MONTHS = ["", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _local(value):
    if isinstance(value, datetime):
        return timezone.localtime(value) if timezone.is_aware(value) else value
    return value


def be_date(value) -> str:
    """22 พ.ย. 2569 in Thai (Buddhist era = CE + 543), 22 Nov 2026 in English."""
    if not value:
        return ""
    value = _local(value)
    d = value.date() if isinstance(value, datetime) else value
    if not isinstance(d, date):
        return str(value)
    if translation.get_language() == "th":
        return f"{d.day} {TH_MONTHS[d.month]} {d.year + 543}"
    return f"{d.day} {EN_MONTHS[d.month]} {d.year}"


def be_datetime(value) -> str:
    if not value:
        return ""
    value = _local(value)
    return f"{be_date(value)} {value:%H:%M}" if isinstance(value, datetime) else be_date(value)

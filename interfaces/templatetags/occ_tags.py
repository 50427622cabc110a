"""Template helpers: Buddhist-era dates for Thai readers, labels."""

from __future__ import annotations

import re
from datetime import date, datetime

from django import template
from django.utils import timezone, translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

register = template.Library()

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


@register.filter
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


@register.filter
def be_datetime(value) -> str:
    if not value:
        return ""
    value = _local(value)
    return f"{be_date(value)} {value:%H:%M}" if isinstance(value, datetime) else be_date(value)


@register.filter
def label(value, choices_cls) -> str:
    try:
        return str(choices_cls(value).label)
    except ValueError:
        return value


@register.filter
def loc(obj, field: str = "name") -> str:
    """The Thai or English variant of a bilingual model field: {{ category|loc:"name" }} reads
    name_th in Thai and name_en in English."""
    if obj is None:
        return ""
    lang = "en" if translation.get_language() == "en" else "th"
    return getattr(obj, f"{field}_{lang}", "") or getattr(obj, f"{field}_th", "") or ""


@register.filter
def status_label(value) -> str:
    from complaints.models import Status

    try:
        return str(Status(value).label)
    except ValueError:
        return value or ""


@register.filter
def overdue(complaint, now) -> bool:
    """Past its SLA date and not yet in a finished status (resolved, closed, rejected, duplicate)."""
    from complaints.lifecycle import TERMINAL

    due = getattr(complaint, "sla_due_at", None)
    return bool(due and now and due < now and complaint.status not in TERMINAL)


@register.filter
def get_item(mapping, key):
    """{{ labels|get_item:code }}: a translated label for a code, else the code."""
    try:
        return mapping.get(key, key)
    except AttributeError:
        return key


_MARK = re.compile(r"(\[redacted: [a-z ]+\])")


@register.filter
def mark_redactions(text) -> str:
    """Highlight the gate's redaction markers ([redacted: phone]) in escaped text."""
    escaped = str(conditional_escape(text or ""))
    return mark_safe(_MARK.sub(r'<mark class="redacted">\1</mark>', escaped))  # noqa: S308 - input escaped first

"""Template helpers: Buddhist-era dates for Thai readers, labels."""

from __future__ import annotations

import re

from django import template
from django.utils import translation
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from complaints.models import Status
from complaints.services.lifecycle import TERMINAL
from occ.dates import be_date, be_datetime

register = template.Library()

register.filter("be_date", be_date)
register.filter("be_datetime", be_datetime)


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
    try:
        return str(Status(value).label)
    except ValueError:
        return value or ""


@register.filter
def overdue(complaint, now) -> bool:
    """Past its SLA date and not yet in a finished status (resolved, closed, rejected, duplicate)."""
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

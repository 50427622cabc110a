"""Helpers shared by the telephone and fax services."""

from __future__ import annotations

from django.core.exceptions import ValidationError

from complaints.access import Can, require
from privacy.minimum_data import normalise_phone

WITHHELD = frozenset({"", "anonymous", "withheld", "private", "restricted", "unknown", "unavailable"})


def require_agent(actor) -> None:
    require(actor, Can.CASE_WORK)


def e164_or_blank(number: str) -> str:
    """The number in E.164, or '' when it is missing or not a valid phone number."""
    if not number or number.strip().lower() in WITHHELD:
        return ""
    try:
        return normalise_phone(number)
    except ValidationError:
        return ""

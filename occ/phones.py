"""Thai phone numbers in E.164 without a full parse, for the common forms.

phonenumbers' ``parse`` and ``is_valid_number`` cost about 0.15 ms a number and the intake of one
complaint asks for several (the minimum-data check, then the fraud indicators for the same number
again). A Thai number written with digits and separators only, in national form (``081 234 5678``)
or with the country code (``+66 81 234 5678``), is valid exactly when its national part matches
Thailand's mobile or fixed-line pattern in phonenumbers' own metadata; ``thai_e164`` answers those
and returns None for anything else, which the caller then gives to phonenumbers as before (other
countries, other number types, letters, extensions). No number is kept between calls.
tests/test_phones.py checks the answers against phonenumbers over many generated numbers.
"""

from __future__ import annotations

import re
from functools import cache

import phonenumbers

_PLAIN = re.compile(r"\+?[0-9(][0-9 \-.()]*")
_NOT_DIGIT = re.compile(r"[^0-9]")


@cache
def thai_national_pattern() -> re.Pattern:
    """Thailand's mobile and fixed-line national numbers, from phonenumbers' metadata."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("TH")
    assert meta is not None and meta.mobile and meta.fixed_line  # phonenumbers ships TH
    return re.compile(
        f"(?:{meta.mobile.national_number_pattern})|(?:{meta.fixed_line.national_number_pattern})"
    )


def thai_e164(raw: str) -> str | None:
    """``+66...`` for a valid Thai mobile or fixed-line number in national or international form
    written with digits and separators only; None when this shortcut cannot tell (ask
    phonenumbers)."""
    raw = raw.strip()
    if not _PLAIN.fullmatch(raw):
        return None
    digits = _NOT_DIGIT.sub("", raw)
    if raw.startswith("+"):
        if not digits.startswith("66"):
            return None
        national = digits[2:]
    elif digits.startswith("0") and not digits.startswith("00"):
        national = digits[1:]
    else:
        return None
    if national.startswith("0"):
        return None
    return f"+66{national}" if thai_national_pattern().fullmatch(national) else None

"""Redaction of identifiers in free text: Thai national ID numbers (with their checksum), phone
numbers, e-mail addresses and bank account numbers. Used by the disclosure gate for what leaves
the centre and by erasure for what stays. Redaction is visible: ``[redacted: phone]``."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import phonenumbers

from .minimum_data import thai_national_id_is_valid

NATIONAL_ID = "national_id"
EMAIL = "email"
PHONE = "phone"
BANK_ACCOUNT = "bank_account"
KINDS = (NATIONAL_ID, EMAIL, PHONE, BANK_ACCOUNT)

_NATIONAL_ID_RE = re.compile(r"(?<![\d-])(\d[ -]?\d{4}[ -]?\d{5}[ -]?\d{2}[ -]?\d)(?![\d-])")
_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+\.[A-Za-z]{2,}")
# Runs of 10-12 digits, possibly grouped with dashes or spaces (Thai bank accounts: xxx-x-xxxxx-x).
_ACCOUNT_RE = re.compile(r"(?<![\d-])(\d(?:[ -]?\d){9,11})(?![\d-])")


def marker(kind: str) -> str:
    return f"[redacted: {kind.replace('_', ' ')}]"


@dataclass
class Redacted:
    text: str
    found: dict[str, int] = field(default_factory=dict)


def _count(found: dict[str, int], kind: str) -> None:
    found[kind] = found.get(kind, 0) + 1


def redact(text: str, *, keep: frozenset[str] | set[str] = frozenset(), region: str = "TH") -> Redacted:
    """Replace every identifier whose kind is not in ``keep`` with a visible marker."""
    found: dict[str, int] = {}
    if not text:
        return Redacted(text or "", found)

    if NATIONAL_ID not in keep:

        def national(m: re.Match) -> str:
            digits = re.sub(r"\D", "", m.group(1))
            if thai_national_id_is_valid(digits):
                _count(found, NATIONAL_ID)
                return marker(NATIONAL_ID)
            return m.group(0)

        text = _NATIONAL_ID_RE.sub(national, text)

    if EMAIL not in keep:

        def email(m: re.Match) -> str:
            _count(found, EMAIL)
            return marker(EMAIL)

        text = _EMAIL_RE.sub(email, text)

    # Phones are found even when kept, so that the account pass below never mistakes them.
    kept_phones: list[str] = []
    pieces: list[str] = []
    last = 0
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID):
        pieces.append(text[last : match.start])
        if PHONE in keep:
            pieces.append(f"\x00{len(kept_phones)}\x00")
            kept_phones.append(match.raw_string)
        else:
            pieces.append(marker(PHONE))
            _count(found, PHONE)
        last = match.end
    pieces.append(text[last:])
    text = "".join(pieces)

    if BANK_ACCOUNT not in keep:

        def account(m: re.Match) -> str:
            _count(found, BANK_ACCOUNT)
            return marker(BANK_ACCOUNT)

        text = _ACCOUNT_RE.sub(account, text)

    for i, raw in enumerate(kept_phones):
        text = text.replace(f"\x00{i}\x00", raw)
    return Redacted(text, found)

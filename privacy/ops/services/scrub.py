"""The exact values of one person, found and removed wherever they stand (PDPA s.33).

Erasure knows what it is looking for: the person's name (and the parts of it), address, phone
numbers, e-mail addresses and national ID. A phone number is found in every way people and
systems write it: E.164 (+66812345678), without the plus, nationally (0812345678), with dashes,
spaces, dots or brackets (081-234-5678, +66 81 234 5678, (081) 234 5678) and in Thai digits.
The generic redactor (``privacy.redaction``) still runs after this for identifiers nobody knew."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from privacy.redaction import marker

ERASED = marker("erased")
THAI_DIGITS = "๐๑๒๓๔๕๖๗๘๙"
_SEP = r"[\s\-.()/]*"
# Honorifics are not a person's name: erasing "นาย" from a case would erase nothing about them.
HONORIFICS = {
    "นาย",
    "นาง",
    "นางสาว",
    "น.ส.",
    "ด.ช.",
    "ด.ญ.",
    "คุณ",
    "mr",
    "mr.",
    "mrs",
    "mrs.",
    "ms",
    "ms.",
    "miss",
    "dr",
    "dr.",
}


def _digit(d: str) -> str:
    return f"[{d}{THAI_DIGITS[int(d)]}]"


def _digits_pattern(digits: str) -> str:
    return _SEP.join(_digit(d) for d in digits)


def phone_pattern(value: str) -> str | None:
    """A regular expression matching the number in every written form, or None if it has too
    few digits to be a number worth looking for."""
    digits = "".join(
        str(THAI_DIGITS.index(c)) if c in THAI_DIGITS else c for c in value if c.isdigit() or c in THAI_DIGITS
    )
    if len(digits) < 6:
        return None
    if digits.startswith("66") and len(digits) >= 10:
        national = digits[2:]
    elif digits.startswith("0") and len(digits) >= 9:
        national = digits[1:]
    else:
        return rf"(?<![0-9{THAI_DIGITS}])(?:(?:\+|00){_SEP})?{_digits_pattern(digits)}(?![0-9{THAI_DIGITS}])"
    prefix = (
        rf"(?:(?:(?:\+|00){_SEP})?{_digits_pattern('66')}{_SEP}(?:\(?{_digit('0')}\)?{_SEP})?"
        rf"|\(?{_digit('0')}{_SEP})?"
    )
    return rf"(?<![0-9{THAI_DIGITS}]){prefix}{_digits_pattern(national)}(?![0-9{THAI_DIGITS}])"


def _text_pattern(value: str) -> str | None:
    words = [w for w in re.split(r"[\s,]+", value) if w]
    if not words:
        return None
    body = r"[\s,]+".join(re.escape(w) for w in words)
    if re.fullmatch(r"[A-Za-z0-9 .'\-]+", value):  # Latin text: whole words only
        return rf"(?<![A-Za-z0-9]){body}(?![A-Za-z0-9])"
    return body  # Thai is written without spaces between words: a name is found inside others


def name_parts(name: str) -> list[str]:
    parts = [p for p in name.split() if p.casefold() not in HONORIFICS and len(p) >= 2]
    return parts if len(parts) > 1 else []


def address_parts(address: str) -> list[str]:
    """The pieces of an address that still point at the home: each line or comma-separated part,
    and each beginning of it of two words or more (house number and street, then the sub-district...),
    as people write their address short in a message."""
    parts = [p.strip() for p in re.split(r"[,\n;]+", address) if p.strip()]
    out = [p for p in parts if len(p) >= 8] if len(parts) > 1 else []
    words = [w for w in re.split(r"[\s,;]+", address) if w]
    out += [" ".join(words[:n]) for n in range(2, len(words))]
    return out


@dataclass
class KnownValues:
    """What erasure looks for; ``scrub`` replaces every occurrence with its marker (``[redacted: phone]``)."""

    names: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)
    emails: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)
    national_ids: set[str] = field(default_factory=set)
    _regex: re.Pattern | None = None
    _kinds: dict[str, str] = field(default_factory=dict)

    def add(self, kind: str, value: Any) -> None:
        value = " ".join(str(value or "").split())
        if value and value not in ("[masked]", ERASED):
            getattr(self, kind).add(value)
            self._regex = None

    def add_identity(self, values: dict[str, Any]) -> None:
        for field_name, kind in (
            ("name", "names"),
            ("phone", "phones"),
            ("email", "emails"),
            ("address", "addresses"),
            ("national_id", "national_ids"),
        ):
            if values.get(field_name):
                self.add(kind, values[field_name])

    def __bool__(self) -> bool:
        return bool(self.names or self.phones or self.emails or self.addresses or self.national_ids)

    def patterns(self) -> list[tuple[str, str]]:
        """(regular expression, kind) pairs, longest first so that a full name goes before its
        parts and leaves one marker."""
        out: list[tuple[str | None, str]] = []
        for email in self.emails:
            out.append((re.escape(email), "email"))
            out.append((re.escape(email.replace("@", "%40")), "email"))  # URL-encoded, as in links
        for phone in self.phones:
            out.append((phone_pattern(phone), "phone"))
        for number in self.national_ids:
            out.append((phone_pattern(number), "national_id"))
        for text in self.addresses:
            out.append((_text_pattern(text), "address"))
            out.extend((_text_pattern(p), "address") for p in address_parts(text))
        for name in self.names:
            out.append((_text_pattern(name), "name"))
            out.extend((_text_pattern(p), "name") for p in name_parts(name))
        unique = {p: kind for p, kind in out if p}
        return sorted(unique.items(), key=lambda pk: len(pk[0]), reverse=True)

    @property
    def regex(self) -> re.Pattern | None:
        if self._regex is None and self:
            pairs = self.patterns()
            self._kinds = {f"k{i}": kind for i, (_, kind) in enumerate(pairs)}
            self._regex = re.compile(
                "|".join(f"(?P<k{i}>{p})" for i, (p, _) in enumerate(pairs)), re.IGNORECASE
            )
        return self._regex

    def _marker(self, match: re.Match) -> str:
        return marker(self._kinds[match.lastgroup or ""])

    def scrub(self, text: str) -> str:
        if not text or self.regex is None:
            return text
        return self.regex.sub(self._marker, text)

    def found(self, text: str) -> bool:
        return bool(text and self.regex is not None and self.regex.search(text))

    def scrub_data(self, data: Any) -> Any:
        """The same for JSON-like data: every string value and key, at any depth."""
        if isinstance(data, str):
            return self.scrub(data)
        if isinstance(data, dict):
            return {self.scrub(str(k)): self.scrub_data(v) for k, v in data.items()}
        if isinstance(data, (list, tuple)):
            return [self.scrub_data(v) for v in data]
        return data


def known_values(identities: Iterable[dict[str, Any]]) -> KnownValues:
    values = KnownValues()
    for identity in identities:
        values.add_identity(identity)
    return values

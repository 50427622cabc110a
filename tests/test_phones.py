"""The Thai shortcut of occ.phones gives phonenumbers' own answer wherever it answers (clause:
OCC-1, minimum and correct identity data; the fraud indicators' numbers are the same numbers)."""

from __future__ import annotations

import random

import phonenumbers
import pytest

from indicators.extract import normalise_phone as indicator_phone
from occ.phones import thai_e164
from privacy.minimum_data import normalise_phone


def _reference(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "TH")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _written(rng: random.Random, national: str) -> str:
    form = rng.randrange(5)
    if form == 0:
        return "0" + national
    if form == 1:
        return "+66" + national
    if form == 2:
        return f"0{national[:2]}-{national[2:5]}-{national[5:]}"
    if form == 3:
        return f"+66 {national[:2]} {national[2:5]} {national[5:]}"
    return f"(0{national[:1]}) {national[1:]}"


def test_the_shortcut_agrees_with_phonenumbers_on_generated_numbers():
    """clause: OCC-1"""
    rng = random.Random(1212)
    answered = 0
    for _ in range(20000):
        national = str(rng.randrange(1, 10)) + "".join(
            str(rng.randrange(10)) for _ in range(rng.choice((6, 7, 8, 9, 10)))
        )
        raw = _written(rng, national)
        fast = thai_e164(raw)
        if fast is not None:
            answered += 1
            assert fast == _reference(raw), raw
    assert answered > 2000  # it answers the common forms, not only a few


@pytest.mark.parametrize(
    "raw",
    ["+1 650 253 0000", "0812345678 ext. 12", "08l2345678", "00668123456789", "+44 20 7946 0958", "1300"],
)
def test_what_the_shortcut_cannot_tell_goes_to_phonenumbers(raw):
    """clause: OCC-1"""
    assert thai_e164(raw) is None
    expected = _reference(raw)
    if expected:
        assert normalise_phone(raw) == expected
    if not raw.startswith("0"):  # national-form text follows the indicators' own digit rule
        assert indicator_phone(raw) == (expected or "")


def test_the_minimum_data_check_gives_the_same_numbers():
    """clause: OCC-1"""
    for raw in ("081-234-5678", "+66 81 234 5678", "02 127 5789", "(02) 1275789"):
        assert normalise_phone(raw) == _reference(raw) == indicator_phone(raw)

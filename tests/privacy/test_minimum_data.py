"""The minimum-data policy and its validators."""

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from complaints.models import Category, FieldPolicy
from privacy.minimum_data import identity_check, normalise_phone, thai_national_id_is_valid


def _check_digit(first12: str) -> str:
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return str((11 - total % 11) % 10)


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_national_id_checksum_accepts_valid_and_rejects_any_other_last_digit(first12):
    good = first12 + _check_digit(first12)
    assert thai_national_id_is_valid(good)
    for d in "0123456789":
        if d != good[-1]:
            assert not thai_national_id_is_valid(first12 + d)


@pytest.mark.parametrize("raw", ["0812345678", "081-234-5678", "+66 81 234 5678", "66812345678"])
def test_thai_numbers_normalise_to_e164(raw):
    assert normalise_phone(raw) == "+66812345678"


def test_landline_and_foreign_numbers():
    assert normalise_phone("02 127 5789") == "+6621275789"  # OCC-14 fax line
    assert normalise_phone("+1 650 253 0000") == "+16502530000"
    with pytest.raises(ValidationError):
        normalise_phone("12345")


@pytest.mark.django_db
def test_required_optional_and_not_collected(demo):
    """clause: OCC-3, PDPA s.22"""
    cat = Category.objects.get(code="online_shopping")
    cat.policy_address = FieldPolicy.NOT_COLLECTED
    cat.policy_name = FieldPolicy.REQUIRED
    with pytest.raises(ValidationError) as e:
        identity_check(category=cat, anonymous=False, given={"phone": "0812345678", "address": "x"})
    assert set(e.value.message_dict) == {"address", "name"}
    ok = identity_check(
        category=cat, anonymous=False, given={"phone": "0812345678", "name": "ก ข", "address": ""}
    )
    assert ok.phone == "+66812345678" and ok.address == ""


@pytest.mark.django_db
def test_national_id_collected_only_when_a_policy_requires_it(demo):
    """clause: KC-1 / SSO-1 contrast: the OCC does not ask for a national ID by default"""
    cat = Category.objects.get(code="other")
    assert cat.policy_national_id == FieldPolicy.NOT_COLLECTED
    cat.policy_national_id = FieldPolicy.REQUIRED
    ok = identity_check(
        category=cat, anonymous=False, given={"email": "a@b.co", "national_id": "1-1017-00230-70-8"}
    )
    assert ok.national_id == "1101700230708"
    with pytest.raises(ValidationError):
        identity_check(
            category=cat, anonymous=False, given={"email": "a@b.co", "national_id": "1101700230709"}
        )


def test_no_sensitive_field_exists_on_the_complainant():
    """clause: PDPA s.26 (sensitive data is never asked for)"""
    from complaints.models import Complainant

    names = {f.name for f in Complainant._meta.get_fields()}
    for sensitive in ("religion", "health", "criminal_record", "ethnicity", "date_of_birth", "biometric"):
        assert sensitive not in names

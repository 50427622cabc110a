"""The one rule for changing or anonymising a complainant's identity (complaints.services.identity),
which fax transcription, data-subject rectification and erasure all call."""

import pytest
from django.core.exceptions import ValidationError

from complaints.models import Category, Complaint, TimelineEvent
from complaints.services.identity import complainant_anonymise, complainant_identity_change
from complaints.services.intake import complaint_register

pytestmark = pytest.mark.django_db


def _complaint(**kwargs) -> Complaint:
    other = Category.objects.get(code="other")
    defaults = {"identity": {"email": "somchai@example.com"}}
    registered = complaint_register(channel="web", category=other, description="d", **(defaults | kwargs))
    return Complaint.objects.select_related("complainant", "category").get(pk=registered.complaint.pk)


def _identity_entries(complaint):
    return list(complaint.events.filter(kind=TimelineEvent.Kind.IDENTITY).values_list("text", flat=True))


def test_a_change_is_checked_normalised_written_and_named_without_values(demo):
    """clause: OCC-1 (minimum data: the identity as it will stand passes the category's policy)"""
    c = _complaint()
    result = complainant_identity_change(
        complaint=c, changes={"phone": "081-234-5678", "name": "  "}, reason="fax transcription"
    )
    c.complainant.refresh_from_db()
    assert result.fields == ("phone",) and result.before["phone"] == ""
    assert c.complainant.phone == "+66812345678" and c.complainant.email == "somchai@example.com"
    assert c.complainant.name == ""  # a blank value changes nothing
    assert _identity_entries(c) == ["complainant's identity changed (fax transcription): phone"]
    assert not complainant_identity_change(complaint=c, changes={"phone": "0812345678"}, reason="again")
    assert len(_identity_entries(c)) == 1  # nothing changed, nothing written


def test_a_change_that_breaks_the_policy_writes_nothing(demo):
    """clause: OCC-3 (only the identity data the category collects)"""
    c = _complaint()
    Category.objects.filter(pk=c.category_id).update(policy_address="not_collected")
    c.category.refresh_from_db()
    with pytest.raises(ValidationError) as exc:
        complainant_identity_change(
            complaint=c, changes={"address": "1 Thanon Si Lom"}, reason="rectification"
        )
    assert "address" in exc.value.message_dict
    c.complainant.refresh_from_db()
    assert c.complainant.address == "" and _identity_entries(c) == []
    with pytest.raises(ValueError):
        complainant_identity_change(complaint=c, changes={"national_id": "1234567890123"}, reason="x")


def test_an_anonymous_complainant_who_gives_a_contact_is_anonymous_no_more(demo):
    c = _complaint(identity={}, anonymous=True)
    assert c.complainant.is_anonymous
    result = complainant_identity_change(complaint=c, changes={"email": "a@EXAMPLE.com"}, reason="addition")
    c.complainant.refresh_from_db()
    assert (
        result.anonymity_changed and not c.complainant.is_anonymous and c.complainant.email == "a@example.com"
    )
    assert _identity_entries(c) == ["complainant's identity changed (addition): email; no longer anonymous"]


def test_anonymised_is_final(demo):
    """clause: OCC-11 (erasure by anonymisation)"""
    c = _complaint(identity={"email": "somchai@example.com", "name": "Somchai Jaidee"})
    complainant_anonymise(complaint=c, reason="erasure request")
    c.complainant.refresh_from_db()
    assert c.complainant.anonymised_at is not None
    assert (c.complainant.name, c.complainant.email) == ("", "")
    with pytest.raises(ValidationError):
        complainant_identity_change(
            complaint=c, changes={"email": "back@example.com"}, reason="rectification"
        )
    assert _identity_entries(c) == ["personal data anonymised: erasure request"]


def test_a_category_that_requires_a_national_id_sees_the_one_given_at_intake(demo):
    """clause: OCC-1 (the identity as it will stand, the national ID held since intake included,
    passes the policy; a correction of the phone is not refused for a field it does not touch)"""
    from privacy.minimum_data import FieldPolicy

    other = Category.objects.get(code="other")
    Category.objects.filter(pk=other.pk).update(policy_national_id=FieldPolicy.REQUIRED)
    other.refresh_from_db()
    registered = complaint_register(
        channel="web",
        category=other,
        description="d",
        identity={"email": "somchai@example.com", "national_id": "1-1017-00230-70-8"},
    )
    c = Complaint.objects.select_related("complainant", "category").get(pk=registered.complaint.pk)
    result = complainant_identity_change(complaint=c, changes={"phone": "0812345678"}, reason="rectification")
    c.complainant.refresh_from_db()
    assert result.fields == ("phone",)
    assert c.complainant.phone == "+66812345678" and c.complainant.national_id == "1101700230708"

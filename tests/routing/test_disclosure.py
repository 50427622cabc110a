"""The disclosure gate: each lawful basis, each refusal, minimisation and redaction (OCC-7)."""

import io
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Agency, Complaint, Role
from privacy.models import DataSharingAgreement, TransferRecord
from privacy.services import consent_record, consent_withdraw, legal_order_record
from routing.disclosure import DisclosureRefused, disclosure_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(file_complaint):
    filed = file_complaint(
        description="โอนเงินแล้วไม่ได้ของ ติดต่อผม 0812345678 หรือ somchai@example.com "
        "บัตร 1101700230708 โอนเข้าบัญชี 123-4-56789-0"
    )
    return Complaint.objects.select_related("complainant", "category").get(reference=filed["reference"])


def agency(code):
    return Agency.objects.get(code=code)


def test_related_agency_basis_sends_only_the_agreements_fields(case):
    """clause: OCC-7(b), KC-3 (operations between related agencies, within the agreement)"""
    d = disclosure_decide(
        complaint=case, recipient=agency("ocpb"), purpose="consumer_protection", basis="related_agency"
    )
    assert set(d.fields) == {
        "complainant.name",
        "complainant.phone",
        "complaint.description",
        "complaint.incident",
    }
    p = d.payload
    assert p["complainant"] == {"name": "สมชาย ใจดี", "phone": "+66812345678"}  # no e-mail, no address
    assert "email" not in p["complainant"] and "attachments" not in p
    # phone allowed -> kept in text; e-mail and national ID not allowed -> redacted, visibly
    assert "0812345678" in p["description"] and "somchai@example.com" not in p["description"]
    assert "[redacted: email]" in p["description"] and "[redacted: national id]" in p["description"]
    assert p["redacted"] == {"email": 1, "national_id": 1}


def test_statistics_body_gets_no_identity_at_all(case):
    """clause: OCC-1 (a statistics recipient gets no identity)"""
    d = disclosure_decide(
        complaint=case, recipient=agency("most"), purpose="statistics", basis="related_agency"
    )
    assert "complainant" not in d.payload and "description" not in d.payload
    assert d.payload["incident"]["amount_lost"] == "1500.00"
    assert "สมชาย" not in d.body.decode() and "0812345678" not in d.body.decode()


def test_purpose_outside_the_agreement_is_refused(case):
    """clause: KC-3, MOST-3 (no use beyond the purpose)"""
    with pytest.raises(DisclosureRefused) as e:
        disclosure_decide(
            complaint=case, recipient=agency("ocpb"), purpose="investigation", basis="related_agency"
        )
    assert e.value.code == "no_agreement" and e.value.status == 403


def test_category_outside_the_agreement_and_expired_agreement_are_refused(case):
    with pytest.raises(DisclosureRefused):
        disclosure_decide(
            complaint=case, recipient=agency("pdpc"), purpose="data_protection", basis="related_agency"
        )
    DataSharingAgreement.objects.filter(agency__code="ocpb").update(
        valid_until=date.today() - timedelta(days=1)
    )
    with pytest.raises(DisclosureRefused) as e:
        disclosure_decide(
            complaint=case, recipient=agency("ocpb"), purpose="consumer_protection", basis="related_agency"
        )
    assert e.value.code == "no_agreement"


def test_marketing_is_always_refused_even_with_consent(case):
    """clause: DD-3, MOST-4 (never for marketing)"""
    from privacy.models import Consent

    Consent.objects.create(
        complainant=case.complainant,
        purposes=["marketing"],
        fields=["complainant.phone"],
        channel="web",
        statement="x",
        given_at=timezone.now(),
    )
    for basis in ("consent", "related_agency", "legal_order"):
        with pytest.raises(DisclosureRefused) as e:
            disclosure_decide(complaint=case, recipient=agency("ccib"), purpose="marketing", basis=basis)
        assert e.value.code == "marketing_refused"


def test_consent_basis_and_withdrawal_stops_later_disclosures(case, user_factory):
    """clause: OCC-7(a), SSO-2, OCC-13 (consent first; withdrawable)"""
    with pytest.raises(DisclosureRefused) as e:
        disclosure_decide(
            complaint=case, recipient=agency("dindaeng"), purpose="local_service", basis="consent"
        )
    assert e.value.code == "no_consent"
    agent = user_factory(Role.AGENT)
    consent = consent_record(
        complainant=case.complainant,
        purposes=["local_service"],
        fields=["complainant.name", "complainant.address", "complaint.description"],
        channel="phone",
        statement="ยินยอมให้ส่งต่อสำนักงานเขตดินแดงทางโทรศัพท์",
        agency=agency("dindaeng"),
        actor=agent,
    )
    d = disclosure_decide(
        complaint=case, recipient=agency("dindaeng"), purpose="local_service", basis="consent"
    )
    assert d.fields == ["complainant.name", "complainant.address", "complaint.description"]
    assert "[redacted: phone]" in d.payload["description"]  # phone not consented -> redacted
    # consent for one agency does not cover another
    with pytest.raises(DisclosureRefused):
        disclosure_decide(
            complaint=case, recipient=agency("konchim"), purpose="local_service", basis="consent"
        )
    consent_withdraw(consent=consent)
    with pytest.raises(DisclosureRefused) as e:
        disclosure_decide(
            complaint=case, recipient=agency("dindaeng"), purpose="local_service", basis="consent"
        )
    assert e.value.code == "no_consent"


def test_consent_for_marketing_cannot_even_be_recorded(case):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        consent_record(
            complainant=case.complainant, purposes=["marketing"], fields=[], channel="web", statement="x"
        )


def test_legal_order_basis_needs_the_recorded_order(case, user_factory):
    """clause: OCC-7(c), DD-2, SSO-3 (law or the order of a competent official)"""
    with pytest.raises(DisclosureRefused) as e:
        disclosure_decide(
            complaint=case, recipient=agency("dindaeng"), purpose="investigation", basis="legal_order"
        )
    assert e.value.code == "no_legal_order"
    order = legal_order_record(
        complaint=case,
        agency=agency("dindaeng"),
        reference="ดด 0001/2569",
        issuing_authority="ผู้อำนวยการเขต",
        issued_on=date(2026, 11, 20),
        provision="พ.ร.บ.ข้อมูลข่าวสารของราชการ ม.24(5)",
        document=SimpleUploadedFile("order.pdf", b"%PDF-1.4 order", "application/pdf"),
        fields=["complainant.name", "complaint.description"],
        actor=user_factory(Role.SUPERVISOR),
    )
    d = disclosure_decide(
        complaint=case,
        recipient=agency("dindaeng"),
        purpose="investigation",
        basis="legal_order",
        legal_order_id=order.pk,
    )
    assert d.fields == ["complainant.name", "complaint.description"]
    assert "ดด 0001/2569" in d.basis_reference and "ม.24(5)" in d.basis_reference
    assert len(order.document_sha256) == 64
    # the order is for this agency only
    with pytest.raises(DisclosureRefused):
        disclosure_decide(
            complaint=case,
            recipient=agency("ccib"),
            purpose="investigation",
            basis="legal_order",
            legal_order_id=order.pk,
        )


def test_restricted_subject_is_refused_with_409(case):
    """clause: PDPA s.34 (restriction blocks disclosure)"""
    case.complainant.processing_restricted_at = timezone.now()
    case.complainant.save()
    with pytest.raises(DisclosureRefused) as e:
        disclosure_decide(
            complaint=case, recipient=agency("ccib"), purpose="investigation", basis="related_agency"
        )
    assert e.value.status == 409 and e.value.code == "restricted"


def test_a_decision_writes_nothing(case):
    disclosure_decide(
        complaint=case, recipient=agency("ccib"), purpose="investigation", basis="related_agency"
    )
    assert TransferRecord.objects.count() == 0


def test_same_case_same_basis_gives_the_same_bytes(case):
    a = disclosure_decide(
        complaint=case, recipient=agency("ccib"), purpose="investigation", basis="related_agency"
    )
    b = disclosure_decide(
        complaint=case, recipient=agency("ccib"), purpose="investigation", basis="related_agency"
    )
    assert a.body == b.body and a.sha256 == b.sha256
    assert io.BytesIO(a.body).read().startswith(b"{")

"""The gate's words are put into the reader's language when read; the basis reference is stored
in one language-neutral form (evidence) and only its display is translated."""

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from complaints.models import Agency, Complaint, Role
from privacy.services import consent_record, legal_order_record
from routing.disclosure import DisclosureRefused, basis_reference_text, disclosure_decide

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(file_complaint):
    filed = file_complaint(category="online_shopping")
    return Complaint.objects.select_related("complainant", "category").get(reference=filed["reference"])


def test_refusal_is_worded_when_read_not_when_raised(case):
    """clause: DD-3, MOST-4 (never for marketing): a refusal raised while one language is active
    reads in whichever language is active when it is shown; its code never changes."""
    with translation.override("en"), pytest.raises(DisclosureRefused) as e:
        disclosure_decide(
            complaint=case,
            recipient=Agency.objects.get(code="ocpb"),
            purpose="marketing",
            basis="related_agency",
        )
    with translation.override("th"):
        assert e.value.reason == "ไม่เปิดเผยข้อมูลส่วนบุคคลเพื่อการตลาดไม่ว่ากรณีใด (DD-3, MOST-4)"
    with translation.override("en"):
        assert e.value.reason == "Personal data is never disclosed for marketing (DD-3, MOST-4)."
    assert e.value.code == "marketing_refused"


def test_every_basis_reference_is_stored_neutral_and_shown_translated(case, user_factory):
    """clause: OCC-7(a)(b)(c) (consent, related agencies, law or an official's order): whatever the
    active language, the stored reference has its one English form; the display translates it
    (Buddhist-era date and the channel's name for Thai readers)."""
    ocpb = Agency.objects.get(code="ocpb")
    with translation.override("th"):
        consent = consent_record(
            complainant=case.complainant,
            agency=ocpb,
            purposes=["consumer_protection"],
            fields=["complainant.name"],
            channel="phone",
            statement="ยินยอมทางโทรศัพท์",
        )
        by_consent = disclosure_decide(
            complaint=case, recipient=ocpb, purpose="consumer_protection", basis="consent"
        ).basis_reference
        by_agreement = disclosure_decide(
            complaint=case, recipient=ocpb, purpose="consumer_protection", basis="related_agency"
        ).basis_reference
        order = legal_order_record(
            complaint=case,
            agency=ocpb,
            reference="สคบ 0001/2569",
            issuing_authority="เลขาธิการ สคบ.",
            issued_on=date(2026, 11, 20),
            provision="พ.ร.บ.คุ้มครองผู้บริโภค ม.36",
            document=SimpleUploadedFile("order.pdf", b"%PDF-1.4 order", "application/pdf"),
            fields=["complainant.name"],
            actor=user_factory(Role.SUPERVISOR),
        )
        by_order = disclosure_decide(
            complaint=case,
            recipient=ocpb,
            purpose="consumer_protection",
            basis="legal_order",
            legal_order_id=order.pk,
        ).basis_reference
    given = consent.given_at.date()
    assert by_consent == f"consent #{consent.pk} given {given.isoformat()} by phone"
    assert by_agreement.startswith("agreement #")
    assert by_order == "order สคบ 0001/2569 of เลขาธิการ สคบ., 2026-11-20, พ.ร.บ.คุ้มครองผู้บริโภค ม.36"

    with translation.override("th"):
        assert basis_reference_text(by_consent).startswith(f"ความยินยอม ฉบับที่ {consent.pk} ให้ไว้เมื่อ ")
        assert basis_reference_text(by_consent).endswith(f" {given.year + 543} ทางโทรศัพท์")
        assert basis_reference_text(by_agreement).startswith("ข้อตกลงการแบ่งปันข้อมูล ฉบับที่ ")
        assert basis_reference_text(by_order) == (
            "คำสั่ง สคบ 0001/2569 ของ เลขาธิการ สคบ. ลงวันที่ 20 พ.ย. 2569 ตาม พ.ร.บ.คุ้มครองผู้บริโภค ม.36"
        )
        assert basis_reference_text("agreement #1") == "agreement #1"  # not a known form: as stored
    with translation.override("en"):
        assert basis_reference_text(by_agreement) == by_agreement
        assert basis_reference_text(by_consent).endswith(f"{given.year} by telephone")

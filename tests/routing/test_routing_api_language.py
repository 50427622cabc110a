"""The staff API answers a refusal in the caller's language (Accept-Language) but with the same
error code, which clients rely on; routing reasons follow the language too."""

import pytest

from complaints.models import Category, Role
from privacy.models import TransferRecord
from routing.models import Referral

pytestmark = pytest.mark.django_db

REFUSALS = [
    # body, the code clients rely on, a Thai phrase, an English phrase
    (
        {"agency": "ocpb", "purpose": "marketing", "basis": "related_agency"},
        "disclosure_refused_marketing_refused",
        "ไม่เปิดเผยข้อมูลส่วนบุคคลเพื่อการตลาด",
        "never disclosed for marketing",
    ),
    (
        {"agency": "ocpb", "purpose": "investigation", "basis": "related_agency"},
        "disclosure_refused_no_agreement",
        "ไม่มีข้อตกลงการแบ่งปันข้อมูลกับสำนักงานคณะกรรมการคุ้มครองผู้บริโภค",
        "No active data-sharing agreement with Office of the Consumer Protection Board",
    ),
    (
        {"agency": "dindaeng", "purpose": "local_service", "basis": "consent"},
        "disclosure_refused_no_consent",
        "ไม่พบความยินยอมของเจ้าของข้อมูล",
        "No recorded consent of the data owner",
    ),
    (
        {"agency": "ccib", "purpose": "investigation", "basis": "legal_order"},
        "disclosure_refused_no_legal_order",
        "ต้องมีคำสั่งที่บันทึกไว้",
        "needs the recorded order",
    ),
]


def url(ref, tail):
    return f"/api/v1/staff/complaints/{ref}/{tail}/"


@pytest.mark.parametrize("body,code,thai,english", REFUSALS)
def test_refusal_message_follows_the_language_and_the_code_does_not(
    staff_api, file_complaint, body, code, thai, english
):
    """clause: OCC-7, DD-3, MOST-4 (refused without a lawful basis; never for marketing): the
    error code is the same in every language; only the human message is translated."""
    agent = staff_api(Role.AGENT, "api-lang")
    filed = file_complaint(category="online_shopping")
    th = agent.post(url(filed["reference"], "referrals"), body, format="json", HTTP_ACCEPT_LANGUAGE="th")
    en = agent.post(url(filed["reference"], "referrals"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert th.status_code == en.status_code == 403
    assert th.json()["error"]["code"] == en.json()["error"]["code"] == code
    assert thai in th.json()["error"]["message"] and english not in th.json()["error"]["message"]
    assert english in en.json()["error"]["message"]
    assert "online_shopping" not in th.json()["error"]["message"] + en.json()["error"]["message"]
    assert Referral.objects.count() == 0 and TransferRecord.objects.count() == 0


def test_proposal_reason_and_preview_refusal_follow_the_language(staff_api, file_complaint):
    """clause: OCC-7(b) (routing to related agencies): the reason names the category by its
    localised name; a refused preview keeps its machine code in both languages."""
    agent = staff_api(Role.AGENT, "api-lang-proposals")
    filed = file_complaint(category="financial_scam", description="ได้รับ SMS หลอกให้โอนเงิน")
    scam = Category.objects.get(code="financial_scam")

    def nbtc(lang):
        body = agent.get(url(filed["reference"], "routing"), HTTP_ACCEPT_LANGUAGE=lang).json()
        return next(p for p in body["proposals"] if p["agency"] == "nbtc")

    assert nbtc("th")["reason"] == f"ประเภทเรื่อง {scam.name_th} และพบคำสำคัญ (sms)"
    assert nbtc("en")["reason"] == f"category {scam.name_en}, keyword match (sms)"


def test_an_unknown_agency_is_named_in_the_callers_language_with_the_same_code(staff_api, file_complaint):
    """clause: OCC-7 (nothing goes to a recipient the centre does not know): the validation error
    keeps its code and field in every language; only the words change."""
    agent = staff_api(Role.AGENT, "api-lang-unknown")
    filed = file_complaint()
    body = {"agency": "nobody", "purpose": "investigation", "basis": "related_agency"}
    th = agent.post(url(filed["reference"], "referrals"), body, format="json", HTTP_ACCEPT_LANGUAGE="th")
    en = agent.post(url(filed["reference"], "referrals"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert th.status_code == en.status_code == 400
    assert th.json()["error"]["code"] == en.json()["error"]["code"] == "validation_error"
    assert (
        th.json()["error"]["message"] == "ไม่พบหน่วยงานนี้" and en.json()["error"]["message"] == "Unknown agency."
    )
    assert th.json()["error"]["fields"]["agency"] == ["ไม่มีหน่วยงาน 'nobody' ที่เปิดใช้งานอยู่"]
    assert Referral.objects.count() == 0


def test_consent_for_marketing_is_refused_in_the_callers_language(staff_api, file_complaint):
    """clause: OCC-7, DD-3 (never for marketing; consent is no way around it): the refusal keeps its
    field and code, and its words follow Accept-Language"""
    from privacy.models import Consent

    agent = staff_api(Role.AGENT, "api-lang-consent")
    filed = file_complaint()
    body = {
        "purposes": ["marketing"],
        "fields": ["complainant.name"],
        "channel": "phone",
        "statement": "ยินยอม",
        "agency": "dindaeng",
    }
    th = agent.post(url(filed["reference"], "consents"), body, format="json", HTTP_ACCEPT_LANGUAGE="th")
    en = agent.post(url(filed["reference"], "consents"), body, format="json", HTTP_ACCEPT_LANGUAGE="en")
    assert th.status_code == en.status_code == 400
    assert th.json()["error"]["code"] == en.json()["error"]["code"] == "validation_error"
    assert th.json()["error"]["fields"]["purposes"] == ["ไม่สามารถขอความยินยอมเพื่อการตลาดได้"]
    assert en.json()["error"]["fields"]["purposes"] == ["Consent cannot be taken for marketing."]
    assert not Consent.objects.exists()

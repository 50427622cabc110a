"""The disclosure gate's and routing's words on the staff pages follow the page's language (Thai by
default, English with the switch), while what is stored as evidence (the basis reference on the
referral and in the transfer log, delivery errors) stays in its one stored form."""

import html as htmllib

import pytest
from django.utils import timezone, translation

from complaints.models import Agency, Category, Role
from interfaces.common import PURPOSE_LABELS
from privacy.models import DataSharingAgreement, TransferRecord
from routing.models import Referral, ReferralAttempt
from routing.referrals import referral_create, referral_deliver

pytestmark = pytest.mark.django_db


def _between(text: str, start: str, end: str) -> str:
    i = text.index(start) + len(start)
    return htmllib.unescape(text[i : text.index(end, i)])


def _purpose(code: str, lang: str) -> str:
    with translation.override(lang):
        return str(PURPOSE_LABELS[code])


def _english(client):
    client.post("/i18n/setlang/", {"language": "en", "next": "/desk/"})


def _agreement(agency_code: str, category_code: str) -> DataSharingAgreement:
    return DataSharingAgreement.objects.get(
        agency__code=agency_code, categories__code=category_code, is_active=True
    )


def test_refusal_reasons_are_thai_on_the_thai_desk_and_english_with_the_switch(desk, case):
    """clause: OCC-7 (no disclosure without consent, a related-agency agreement or a legal order),
    DD-3 / MOST-4 (never for marketing): the gate's refusal is told to the agent in the page's
    language, naming the agency and the category by their names, never by their codes."""
    reg = case(category="online_shopping")
    agent = desk(Role.AGENT, "lang-router")
    url = f"/desk/case/{reg.complaint.reference}/preview/"
    ocpb = Agency.objects.get(code="ocpb")
    nbtc = Agency.objects.get(code="nbtc")
    shopping = Category.objects.get(code="online_shopping")

    def alert(params) -> str:
        page = agent.get(url, params).content.decode()
        return _between(page, 'role="alert">', "</p>")

    # Thai (the default language of the desk)
    no_consent = alert({"agency": "ocpb", "purpose": "consumer_protection", "basis": "consent"})
    assert "ไม่พบความยินยอมของเจ้าของข้อมูล" in no_consent
    assert ocpb.name_th in no_consent and _purpose("consumer_protection", "th") in no_consent
    assert "No recorded" not in no_consent and "ocpb" not in no_consent
    marketing = alert({"agency": "ocpb", "purpose": "marketing", "basis": "related_agency"})
    assert "ไม่เปิดเผยข้อมูลส่วนบุคคลเพื่อการตลาด" in marketing and "never disclosed" not in marketing
    no_agreement = alert({"agency": "nbtc", "purpose": "regulatory", "basis": "related_agency"})
    assert "ไม่มีข้อตกลงการแบ่งปันข้อมูล" in no_agreement
    assert shopping.name_th in no_agreement and nbtc.name_th in no_agreement
    assert "online_shopping" not in no_agreement and "nbtc" not in no_agreement
    no_order = alert({"agency": "ocpb", "purpose": "consumer_protection", "basis": "legal_order"})
    assert "เอกสารคำสั่ง" in no_order and "document" not in no_order

    # English with the switch: the same refusals, in English
    _english(agent)
    no_consent = alert({"agency": "ocpb", "purpose": "consumer_protection", "basis": "consent"})
    assert "refuses this: No recorded consent of the data owner" in no_consent
    assert ocpb.name_en in no_consent and _purpose("consumer_protection", "en") in no_consent
    marketing = alert({"agency": "ocpb", "purpose": "marketing", "basis": "related_agency"})
    assert "never disclosed for marketing" in marketing
    no_agreement = alert({"agency": "nbtc", "purpose": "regulatory", "basis": "related_agency"})
    assert f"covers the category {shopping.name_en} for the purpose" in no_agreement
    assert "online_shopping" not in no_agreement


def test_restricted_processing_refusal_is_thai_on_the_thai_desk(desk, case):
    """clause: OCC-11 (the data owner's restriction of processing stops every disclosure), OCC-7"""
    reg = case(category="online_shopping")
    person = reg.complaint.complainant
    person.processing_restricted_at = timezone.now()
    person.save()
    agent = desk(Role.AGENT, "lang-restricted")
    page = agent.get(
        f"/desk/case/{reg.complaint.reference}/preview/",
        {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"},
    ).content.decode()
    reason = _between(page, 'role="alert">', "</p>")
    assert "เจ้าของข้อมูลขอระงับการใช้ข้อมูลของตน" in reason and "restricted" not in reason


def test_basis_line_of_the_preview_is_thai_and_english_with_the_switch(desk, case):
    """clause: OCC-7(b) (operations between related agencies under a sharing agreement): the basis
    on record is shown in the page's language, with the agreement's own legal reference."""
    reg = case(category="online_shopping")
    agent = desk(Role.AGENT, "lang-basis")
    url = f"/desk/case/{reg.complaint.reference}/preview/"
    params = {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"}
    agreement = _agreement("ocpb", "online_shopping")

    basis = _between(agent.get(url, params).content.decode(), 'class="hint basis">', "</p>")
    assert f"ข้อตกลงการแบ่งปันข้อมูล ฉบับที่ {agreement.pk}: {agreement.legal_reference}" in basis
    assert "agreement #" not in basis
    # the case page's own preview of the proposal says the same
    page = agent.get(f"/desk/case/{reg.complaint.reference}/").content.decode()
    assert f"ข้อตกลงการแบ่งปันข้อมูล ฉบับที่ {agreement.pk}:" in htmllib.unescape(page)

    _english(agent)
    basis = _between(agent.get(url, params).content.decode(), 'class="hint basis">', "</p>")
    assert f"agreement #{agreement.pk}: {agreement.legal_reference}" in basis
    assert "ข้อตกลงการแบ่งปันข้อมูล" not in basis


def test_routing_reason_names_the_category_in_the_page_language(desk, case):
    """clause: OCC-7(b) (the related agencies a case goes to): why a rule proposes an agency is
    shown with the category's localised name and the matched keyword, not the category code."""
    reg = case(category="financial_scam", description="ได้รับ SMS หลอกให้โอนเงิน")
    scam = Category.objects.get(code="financial_scam")
    agent = desk(Role.AGENT, "lang-reasons")
    page = htmllib.unescape(agent.get(f"/desk/case/{reg.complaint.reference}/").content.decode())
    assert f"ประเภทเรื่อง {scam.name_th} และพบคำสำคัญ (sms)" in page
    assert "financial_scam" not in page.split('id="h-route"')[1].split("</h3>")[1].split("</p>")[0]
    assert "keyword match" not in page and "category financial_scam" not in page

    _english(agent)
    page = htmllib.unescape(agent.get(f"/desk/case/{reg.complaint.reference}/").content.decode())
    assert f"category {scam.name_en}, keyword match (sms)" in page


def test_stored_basis_reference_stays_neutral_and_is_translated_only_where_shown(desk, case, user_factory):
    """clause: OCC-7 (every transfer logged), OCC-11 (records kept as evidence): the referral and
    the hash-chained transfer record keep the one stored form whatever the language of the person
    who routed or read it; the case page and the agency's page show it in their language."""
    reg = case(category="financial_scam")
    agreement = _agreement("ccib", "financial_scam")
    stored = f"agreement #{agreement.pk}: {agreement.legal_reference}"
    with translation.override("th"):  # routed from a Thai page
        ref = referral_create(
            complaint=reg.complaint,
            agency=Agency.objects.get(code="ccib"),
            purpose="investigation",
            basis="related_agency",
            actor=user_factory(Role.AGENT, "lang-sender"),
        )
    ref.refresh_from_db()
    assert ref.basis_reference == stored

    officer = desk(Role.AGENCY_OFFICER, "lang-police", "ccib")
    page = officer.get(f"/agency/{ref.delivery_id}/").content.decode()
    sent = _between(page, '<p class="hint">', "</p>")  # the basis line (the JSON below is as sent)
    assert f"ข้อตกลงการแบ่งปันข้อมูล ฉบับที่ {agreement.pk}: {agreement.legal_reference}" in sent
    assert "agreement #" not in sent
    record = TransferRecord.objects.get(
        kind=TransferRecord.Kind.AGENCY_READ, delivery_id=str(ref.delivery_id)
    )
    assert record.basis_reference == stored  # the Thai page read wrote the neutral form

    agent = desk(Role.AGENT, "lang-history")
    history = _between(
        agent.get(f"/desk/case/{reg.complaint.reference}/").content.decode(),
        f'id="referral-{ref.pk}">',
        "</tr>",
    )
    assert f"ข้อตกลงการแบ่งปันข้อมูล ฉบับที่ {agreement.pk}:" in history and "agreement #" not in history
    _english(officer)
    page = officer.get(f"/agency/{ref.delivery_id}/").content.decode()
    assert stored in _between(page, '<p class="hint">', "</p>")


def test_delivery_error_is_stored_in_english_and_shown_in_thai(desk, case, user_factory):
    """clause: OCC-8 (a failed transfer is recorded where a supervisor sees it): the error stays as
    stored on the referral and its attempt; the Thai case and supervisor pages show it in Thai."""
    reg = case(category="online_shopping")
    agency = Agency.objects.get(code="ocpb")
    Agency.objects.filter(pk=agency.pk).update(delivery_method="webhook", webhook_url="", webhook_secret="")
    agency.refresh_from_db()
    ref = referral_create(
        complaint=reg.complaint,
        agency=agency,
        purpose="consumer_protection",
        basis="related_agency",
        actor=user_factory(Role.AGENT, "lang-webhook"),
    )
    assert referral_deliver(referral_id=ref.pk) == "failed"
    english = "the agency has no webhook URL or secret configured"
    assert Referral.objects.get(pk=ref.pk).last_error == english
    assert ReferralAttempt.objects.get(referral=ref, ok=False).error == english

    supervisor = desk(Role.SUPERVISOR, "lang-supervisor")
    row = _between(
        supervisor.get(f"/desk/case/{reg.complaint.reference}/").content.decode(),
        f'id="referral-{ref.pk}">',
        "</tr>",
    )
    assert "หน่วยงานยังไม่ได้กำหนด URL หรือรหัสลับสำหรับ webhook" in row and english not in row
    queue = _between(supervisor.get("/desk/supervisor/").content.decode(), f'id="failed-{ref.pk}">', "</tr>")
    assert "หน่วยงานยังไม่ได้กำหนด URL" in queue and english not in queue

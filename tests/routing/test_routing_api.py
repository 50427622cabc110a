"""Routing by agents through the API: proposals, preview, referral under a basis, refusals."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from complaints.models import Agency, Complaint, Role
from privacy.models import TransferRecord
from routing.models import Referral

pytestmark = pytest.mark.django_db


def url(ref, tail):
    return f"/api/v1/staff/complaints/{ref}/{tail}/"


@pytest.fixture
def agent(staff_api):
    return staff_api(Role.AGENT, "router")


def test_proposals_follow_the_rules_and_preview_what_each_agency_gets(agent, file_complaint):
    filed = file_complaint(
        category="financial_scam", description="ได้รับ SMS หลอกให้โอนเงิน ติดต่อ somchai@example.com"
    )
    body = agent.get(url(filed["reference"], "routing")).json()
    agencies = [p["agency"] for p in body["proposals"]]
    assert agencies == ["ccib", "nbtc"]  # nbtc only because the keyword "sms" matched
    nbtc = body["proposals"][1]
    assert "(sms)" in nbtc["reason"]  # the keyword that matched (the words are in the caller's language)
    assert "complainant" not in nbtc["related_agency_preview"]["payload"]  # the regulator gets no identity
    assert "[redacted: email]" in nbtc["related_agency_preview"]["payload"]["description"]
    plain = file_complaint(category="financial_scam", description="ถูกหลอกลงทุน")
    assert [p["agency"] for p in agent.get(url(plain["reference"], "routing")).json()["proposals"]] == [
        "ccib"
    ]


def test_refer_under_agreement_creates_referral_and_public_timeline(agent, file_complaint, api):
    filed = file_complaint()
    agent.post(url(filed["reference"], "status"), {"status": "triaged"}, format="json")
    preview = agent.post(
        url(filed["reference"], "referrals"),
        {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency", "preview": True},
        format="json",
    )
    assert preview.status_code == 200 and Referral.objects.count() == 0
    r = agent.post(
        url(filed["reference"], "referrals"),
        {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["state"] == "available"  # OCPB pulls through the API
    assert r.json()["payload_sha256"] == preview.json()["sha256"]
    assert Complaint.objects.get(reference=filed["reference"]).status == "referred"
    track = api.post(
        "/api/v1/track/",
        {"reference": filed["reference"], "tracking_code": filed["tracking_code"]},
        format="json",
    ).json()
    assert track["status"] == "referred" and track["referred_to"]


@pytest.mark.parametrize(
    "body,status,code",
    [
        (
            {"agency": "ocpb", "purpose": "marketing", "basis": "related_agency"},
            403,
            "disclosure_refused_marketing_refused",
        ),
        (
            {"agency": "ocpb", "purpose": "investigation", "basis": "related_agency"},
            403,
            "disclosure_refused_no_agreement",
        ),
        (
            {"agency": "dindaeng", "purpose": "local_service", "basis": "consent"},
            403,
            "disclosure_refused_no_consent",
        ),
        (
            {"agency": "ccib", "purpose": "investigation", "basis": "legal_order"},
            403,
            "disclosure_refused_no_legal_order",
        ),
    ],
)
def test_refusals_are_clear_and_write_nothing(agent, file_complaint, body, status, code):
    """clause: OCC-7, DD-3, MOST-4 (refused without a lawful basis; never for marketing)"""
    filed = file_complaint()
    r = agent.post(url(filed["reference"], "referrals"), body, format="json")
    assert r.status_code == status and r.json()["error"]["code"] == code and r.json()["error"]["message"]
    assert Referral.objects.count() == 0 and TransferRecord.objects.count() == 0


def test_restricted_subject_is_409(agent, file_complaint):
    filed = file_complaint()
    c = Complaint.objects.get(reference=filed["reference"])
    c.complainant.processing_restricted_at = timezone.now()
    c.complainant.save()
    r = agent.post(
        url(filed["reference"], "referrals"),
        {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"},
        format="json",
    )
    error = r.json()["error"]
    # the message is in the caller's language (Thai by default: "มาตรา 34"), the code never changes
    assert (
        r.status_code == 409 and error["code"] == "disclosure_refused_restricted" and "34" in error["message"]
    )


def test_consent_recorded_then_used_then_withdrawn(agent, file_complaint):
    filed = file_complaint()
    c = agent.post(
        url(filed["reference"], "consents"),
        {
            "purposes": ["local_service"],
            "fields": ["complainant.name", "complaint.description"],
            "channel": "phone",
            "statement": "ยินยอมให้ส่งเรื่องถึงสำนักงานเขตดินแดง",
            "agency": "dindaeng",
        },
        format="json",
    )
    assert c.status_code == 201
    body = {"agency": "dindaeng", "purpose": "local_service", "basis": "consent"}
    assert agent.post(url(filed["reference"], "referrals"), body, format="json").status_code == 201
    agent.post(url(filed["reference"], f"consents/{c.json()['id']}/withdraw"), format="json")
    r = agent.post(url(filed["reference"], "referrals"), body, format="json")
    assert r.status_code == 403 and r.json()["error"]["code"] == "disclosure_refused_no_consent"


def test_legal_order_upload_then_referral(agent, file_complaint):
    filed = file_complaint()
    r = agent.post(
        url(filed["reference"], "legal-orders"),
        {
            "agency": "ccib",
            "reference": "หมายเรียก 45/2569",
            "issuing_authority": "พนักงานสอบสวน บก.สอท.1",
            "issued_on": "2026-11-20",
            "provision": "ป.วิ.อาญา ม.132",
            "document": SimpleUploadedFile("order.pdf", b"%PDF-1.4 order", "application/pdf"),
        },
        format="multipart",
    )
    assert r.status_code == 201, r.json()
    ref = agent.post(
        url(filed["reference"], "referrals"),
        {
            "agency": "ccib",
            "purpose": "investigation",
            "basis": "legal_order",
            "legal_order_id": r.json()["id"],
        },
        format="json",
    )
    assert ref.status_code == 201 and "หมายเรียก 45/2569" in ref.json()["basis_reference"]
    missing = agent.post(
        url(filed["reference"], "legal-orders"),
        {"agency": "ccib", "reference": "", "issued_on": "2026-11-20"},
        format="multipart",
    )
    assert missing.status_code == 400 and {"reference", "document"} <= set(missing.json()["error"]["fields"])


def test_supervisor_sees_failed_referrals_and_resends_agent_cannot(
    staff_api, agent, file_complaint, settings
):
    filed = file_complaint()
    Agency.objects.filter(code="ocpb").update(
        delivery_method="webhook", webhook_url="http://127.0.0.1:9/x", webhook_secret="s"
    )
    settings.OCC_DELIVERY_MAX_ATTEMPTS = 1
    settings.OCC_WEBHOOK_CONNECT_TIMEOUT = 0.3
    from routing.referrals import referral_deliver

    agent.post(
        url(filed["reference"], "referrals"),
        {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"},
        format="json",
    )
    ref = Referral.objects.get()
    referral_deliver(referral_id=ref.pk)
    sup = staff_api(Role.SUPERVISOR, "sup")
    failed = sup.get("/api/v1/staff/referrals/?state=failed").json()
    assert [f["id"] for f in failed] == [ref.pk] and failed[0]["last_error"]
    assert agent.post(f"/api/v1/staff/referrals/{ref.pk}/resend/").status_code == 404
    r = sup.post(f"/api/v1/staff/referrals/{ref.pk}/resend/")
    assert r.status_code == 200
    assert sup.post(f"/api/v1/staff/referrals/{ref.pk}/resend/").status_code == 409


def test_privacy_officer_and_agency_cannot_route(staff_api, file_complaint):
    filed = file_complaint()
    body = {"agency": "ocpb", "purpose": "consumer_protection", "basis": "related_agency"}
    assert (
        staff_api(Role.PRIVACY_OFFICER, "po")
        .post(url(filed["reference"], "referrals"), body, format="json")
        .status_code
        == 404
    )
    assert (
        staff_api(Role.AGENCY_OFFICER, "ao", agency=Agency.objects.get(code="ocpb"))
        .post(url(filed["reference"], "referrals"), body, format="json")
        .status_code
        == 404
    )

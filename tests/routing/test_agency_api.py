"""Agency API: an agency sees only what was referred to it, and its updates reach the citizen
(OCC-7, OCC-9, DD-4)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from complaints.models import Agency, Complaint, Role
from privacy.models import AccessLogEntry, TransferRecord
from routing.agency_auth import agency_credential_issue, agency_credential_revoke
from routing.models import ReturnedData
from routing.referrals import referral_create

pytestmark = pytest.mark.django_db
A = "/api/v1/agency/referrals/"


@pytest.fixture
def referred(file_complaint, user_factory):
    """A financial-scam case referred to the police cyber unit (pull delivery)."""
    filed = file_complaint(category="financial_scam")
    case = Complaint.objects.get(reference=filed["reference"])
    ref = referral_create(
        complaint=case,
        agency=Agency.objects.get(code="ccib"),
        purpose="investigation",
        basis="related_agency",
        actor=user_factory(Role.AGENT, "routing-agent"),
    )
    return filed, case, ref


@pytest.fixture
def police(staff_api):
    return staff_api(Role.AGENCY_OFFICER, "police-officer", agency=Agency.objects.get(code="ccib"))


@pytest.fixture
def consumer_board(staff_api):
    return staff_api(Role.AGENCY_OFFICER, "ocpb-officer", agency=Agency.objects.get(code="ocpb"))


def _endpoints(delivery_id):
    base = f"{A}{delivery_id}/"
    return [
        ("get", base, None),
        ("post", base + "acknowledge/", {}),
        ("post", base + "updates/", {"text": "x"}),
        ("post", base + "data/", {"kind": "police_case_number", "value": "1"}),
    ]


def test_every_endpoint_is_404_for_another_agency(referred, consumer_board):
    """clause: DD-4, OCC-7 (need to know: an agency sees only its referrals)"""
    _, case, ref = referred
    assert consumer_board.get(A).json() == []
    for method, url, body in _endpoints(ref.delivery_id):
        r = (
            getattr(consumer_board, method)(url, body, format="json")
            if body is not None
            else consumer_board.get(url)
        )
        assert r.status_code == 404, url
    assert consumer_board.get(f"/api/v1/staff/complaints/{case.reference}/").status_code == 404
    assert TransferRecord.objects.filter(kind="agency_read").count() == 0


def test_unknown_referral_is_the_same_404(police):
    import uuid

    for method, url, body in _endpoints(uuid.uuid4()):
        r = getattr(police, method)(url, body, format="json") if body is not None else police.get(url)
        assert r.status_code == 404


def test_case_not_referred_is_invisible_to_the_agency(file_complaint, police, referred):
    other = file_complaint()
    assert police.get(f"/api/v1/staff/complaints/{other['reference']}/").status_code == 404
    assert [r["reference"] for r in police.get(A).json()] == [referred[0]["reference"]]


def test_centre_staff_cannot_use_the_agency_api(referred, staff_api):
    assert staff_api(Role.AGENT, "a2").get(A).status_code == 404


def test_officer_reads_the_minimised_case_and_each_read_is_logged(referred, police):
    """clause: OCC-8 (every agency read of case data is logged)"""
    _, case, ref = referred
    r = police.get(f"{A}{ref.delivery_id}/")
    assert r.status_code == 200
    body = r.json()
    assert (
        body["case"]["reference"] == case.reference and body["case"]["complainant"]["phone"] == "+66812345678"
    )
    assert body["case"]["disclosure"]["basis"] == "related_agency"
    police.get(f"{A}{ref.delivery_id}/")
    reads = TransferRecord.objects.filter(kind="agency_read", delivery_id=str(ref.delivery_id))
    assert reads.count() == 2 and reads.first().actor == "police-officer"
    assert AccessLogEntry.objects.filter(actor=police.user, object_type="referral").count() == 2


def test_acknowledge_update_and_note_reach_the_right_audience(referred, police, api):
    """clause: OCC-7 (agencies update the cases routed to them; the citizen tracks them)"""
    filed, case, ref = referred
    r = police.post(
        f"{A}{ref.delivery_id}/acknowledge/", {"agency_case_reference": "CCIB-69-1234"}, format="json"
    )
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    police.post(
        f"{A}{ref.delivery_id}/updates/", {"text": "เปิดสำนวนสอบสวนแล้ว", "public": True}, format="json"
    )
    police.post(f"{A}{ref.delivery_id}/updates/", {"text": "ผู้ต้องสงสัยใช้บัญชีม้า", "public": False}, format="json")
    track = api.post(
        "/api/v1/track/",
        {"reference": filed["reference"], "tracking_code": filed["tracking_code"]},
        format="json",
    ).json()
    texts = [e["text"] for e in track["timeline"]]
    assert "เปิดสำนวนสอบสวนแล้ว" in texts and "ผู้ต้องสงสัยใช้บัญชีม้า" not in texts
    assert any("acknowledged" in t for t in texts)
    assert track["referred_to"] == [
        "กองบัญชาการตำรวจสืบสวนสอบสวนอาชญากรรมทางเทคโนโลยี (Cyber Crime Investigation Bureau, Royal Thai Police)"
    ]


def test_agency_status_update_follows_the_lifecycle(referred, police, staff_api):
    _, case, ref = referred
    assert Complaint.objects.get(pk=case.pk).status == "referred"  # routing moved the case
    r = police.post(
        f"{A}{ref.delivery_id}/updates/", {"text": "กำลังสอบสวน", "status": "in_progress"}, format="json"
    )
    assert r.status_code == 201 and Complaint.objects.get(pk=case.pk).status == "in_progress"
    r = police.post(f"{A}{ref.delivery_id}/updates/", {"text": "ปิดคดี", "status": "resolved"}, format="json")
    assert r.status_code == 201 and Complaint.objects.get(pk=case.pk).status == "resolved"
    r = police.post(f"{A}{ref.delivery_id}/updates/", {"text": "x", "status": "in_progress"}, format="json")
    assert (
        r.status_code == 400 and "status" in r.json()["error"]["fields"]
    )  # resolved -> in_progress is not allowed


def test_returned_data_joins_the_case_with_provenance(referred, police, staff_api):
    """clause: OCC-9 (data lawfully received from third parties merged with the case)"""
    _, case, ref = referred
    r = police.post(
        f"{A}{ref.delivery_id}/data/",
        {"kind": "police_case_number", "value": "บก.สอท.1 123/2569", "legal_basis": "ป.วิ.อาญา"},
        format="json",
    )
    assert r.status_code == 201 and r.json()["returned_by"] == "police-officer"
    row = ReturnedData.objects.get()
    assert row.referral == ref and row.legal_basis == "ป.วิ.อาญา"
    detail = staff_api(Role.AGENT, "a4").get(f"/api/v1/staff/complaints/{case.reference}/").json()
    assert any("police_case_number" in e["text"] and not e["is_public"] for e in detail["timeline"])


def test_agency_system_key_works_and_revocation_locks_it_out(referred):
    _, case, ref = referred
    cred, key = agency_credential_issue(agency=Agency.objects.get(code="ccib"), label="ccib case system")
    assert key.split(".")[1] not in cred.key_hash
    system = APIClient()
    system.credentials(HTTP_AUTHORIZATION=f"Agency {key}")
    assert [r["delivery_id"] for r in system.get(A).json()] == [str(ref.delivery_id)]
    assert system.get(f"{A}{ref.delivery_id}/").status_code == 200
    assert TransferRecord.objects.get(kind="agency_read").actor.startswith("ccib-system:")
    other_cred, other_key = agency_credential_issue(agency=Agency.objects.get(code="ocpb"))
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Agency {other_key}")
    assert other.get(f"{A}{ref.delivery_id}/").status_code == 404
    agency_credential_revoke(credential=cred)
    assert system.get(A).status_code == 401
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION=f"Agency {cred.prefix}.not-the-secret")
    assert wrong.get(A).status_code == 401


def test_agency_list_uses_constant_queries(referred, police, file_complaint, user_factory):
    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert police.get(A).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for i in range(3):
        c = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
        referral_create(
            complaint=c,
            agency=Agency.objects.get(code="ccib"),
            purpose="investigation",
            basis="related_agency",
            actor=user_factory(Role.AGENT, f"ag{i}"),
        )
    assert count() == one

"""Any other data the person gave, or that can be linked to them (OCC-6): evidence files, free
text and incident facts are part of the person's data in an access export and in erasure."""

import io
import json

import pytest
from django.core.files.storage import default_storage

from complaints.models import Attachment, Complaint, Role
from tests.conftest import complaint_body, png_bytes

pytestmark = pytest.mark.django_db
P = "/api/v1/privacy/"

INCIDENT = {
    "website_url": "https://scam-shop.example/item/1",
    "amount_lost": "1500.00",
    "other_party_account": "987-6-54321-0",
    "other_party_phone": "0899999999",
    "occurred_at": "2026-11-30T20:15:00+07:00",
    "address": "12/3 Soi Sukhumvit 50, Phra Khanong",
    "latitude": "13.7051234",
    "longitude": "100.6012345",
    "province": "กรุงเทพมหานคร",
}


@pytest.fixture
def evidence_case(api, demo):
    upload = io.BytesIO(png_bytes())
    upload.name = "slip.png"
    body = complaint_body(
        description="ผมโอนเงินให้ร้าน โทร 0812345678 / I paid the shop; my line id is somchai.j",
        incident=INCIDENT,
    )
    r = api.post(
        "/api/v1/complaints/", {"data": json.dumps(body), "attachments": [upload]}, format="multipart"
    )
    assert r.status_code == 201, r.json()
    return Complaint.objects.get(reference=r.json()["reference"])


def _request(staff_api, complaint, type_):
    agent = staff_api(Role.AGENT, f"agent-{type_}")
    dpo = staff_api(Role.PRIVACY_OFFICER, f"dpo-{type_}")
    rid = agent.post(
        P + "staff/requests/",
        {"reference": complaint.reference, "type": type_, "identity_check": "called back the number on file"},
        format="json",
    ).json()["request_id"]
    assert dpo.post(P + f"staff/requests/{rid}/grant/", {}, format="json").status_code == 200
    return dpo, rid


def test_the_access_export_carries_evidence_free_text_and_incident_facts(evidence_case, staff_api):
    """clause: OCC-6, OCC-11 (the copy holds everything linked to the person, not only identity)"""
    c = evidence_case
    staff_api(Role.AGENT, "noter").post(
        f"/api/v1/staff/complaints/{c.reference}/notes/", {"text": "ผู้ร้องส่งสลิปเพิ่ม"}, format="json"
    )
    dpo, rid = _request(staff_api, c, "access")
    r = dpo.get(P + f"staff/requests/{rid}/export/")
    assert r.status_code == 200, r.content[:300]
    data = r.json()["data"]
    (mine,) = [x for x in data["complaints"] if x["reference"] == c.reference]
    assert "somchai.j" in mine["description"]  # free text, as given
    assert "ผู้ร้องส่งสลิปเพิ่ม" in [e["text"] for e in mine["timeline"]]
    facts = mine["incident"]
    assert facts["website_url"] == INCIDENT["website_url"] and facts["amount_lost"] == "1500.00"
    assert facts["other_party_account"] == "987-6-54321-0" and facts["occurred_at"].startswith("2026-11-30")
    assert facts["address"] == INCIDENT["address"] and facts["latitude"] == "13.705123"
    assert facts["province"] == "กรุงเทพมหานคร"
    (att,) = mine["attachments"]
    stored = Attachment.objects.get(complaint=c)
    assert att["sha256"] == stored.sha256 and att["name"] == "slip.png" and att["size"] == stored.size


def test_erasure_removes_evidence_redacts_free_text_and_the_place(evidence_case, staff_api):
    """clause: OCC-6, OCC-11, PDPA s.33 (what can be linked to the person goes with the identity)"""
    c = evidence_case
    stored = Attachment.objects.get(complaint=c).file.name
    assert default_storage.exists(stored)
    _request(staff_api, c, "erasure")
    c.refresh_from_db()
    assert not Attachment.objects.filter(complaint=c).exists() and not default_storage.exists(stored)
    assert "0812345678" not in c.description
    assert (c.incident_address, c.incident_latitude, c.incident_longitude) == ("", None, None)
    # facts about the scam (not about the person) and the coarse place stay for the statistics
    assert c.incident_province == "กรุงเทพมหานคร" and str(c.amount_lost) == "1500.00"
    assert c.incident_url == INCIDENT["website_url"]

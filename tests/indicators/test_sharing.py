"""Indicators leave the centre only through the gate: to an agency whose agreement covers the purpose
"indicator sharing", as CSV or MISP objects, never with complainant data or free text, disputed
and cleared indicators left out, one transfer record per export.

clause: OCC-7 (disclosure only with a lawful basis, logged), OCC-3 (minimum data)"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import date

import pytest
from rest_framework.test import APIClient

from complaints.models import Agency, Category, Role
from indicators.models import Indicator, IndicatorExport
from privacy import transfer_log
from privacy.models import DataSharingAgreement, TransferRecord
from routing.agency_auth import agency_credential_issue

pytestmark = pytest.mark.django_db
URL = "/api/v1/agency/indicators/"
IDENTITY = ("สมหญิง รักดี", "victim@example.org", "+66891112222", "0891112222", "บ้านเลขที่ 9")


@pytest.fixture
def cases(file_complaint):
    for i in range(3):
        file_complaint(
            description=f"ครั้งที่ {i} ร้านหลอกให้โอน โทรหาร้าน 0812345678",
            complainant={
                "name": IDENTITY[0],
                "email": IDENTITY[1],
                "phone": IDENTITY[3],
                "address": IDENTITY[4],
            },
            incident={
                "other_party_account": "KBANK 123-4-56789-0",
                "website_url": "https://www.scam-shop.co.th/x?utm_source=fb",
                "amount_lost": "1000.00",
            },
        )
    file_complaint(
        description="บัญชีนี้ของคนที่ถูกหลอกเหมือนกัน",
        complainant={"name": "อีกคน", "phone": "0893334444"},
        incident={"other_party_account": "9998887776"},
    )


def client_for(agency_code: str) -> APIClient:
    _, key = agency_credential_issue(agency=Agency.objects.get(code=agency_code))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Agency {key}")
    return client


@pytest.fixture
def sharing_agreement(demo):
    agreement = DataSharingAgreement.objects.create(
        agency=Agency.objects.get(code="ccib"),
        title="indicator sharing with the police",
        legal_reference="MoU 2026/7",
        purposes=["indicator_sharing"],
        field_profile=[],
        valid_from=date(2026, 1, 1),
    )
    agreement.categories.set(Category.objects.filter(code="online_shopping"))
    return agreement


def test_an_agency_without_an_indicator_sharing_agreement_gets_nothing(cases, sharing_agreement, staff_api):
    """clause: OCC-7"""
    # ocpb has agreements for other purposes only; never sent these cases either
    r = client_for("ocpb").get(URL)
    assert r.status_code == 403 and r.json()["error"]["code"] == "no_agreement"
    assert not TransferRecord.objects.filter(kind="indicators").exists()
    # its officers do not reach the staff endpoints either
    officer = staff_api(Role.AGENCY_OFFICER, "ocpb-officer", agency=Agency.objects.get(code="ocpb"))
    assert officer.get("/api/v1/staff/clusters/").status_code == 404
    assert officer.get("/api/v1/staff/indicators/", {"value": "1234567890"}).status_code == 404
    assert officer.get(URL).status_code == 403
    # nobody without an agency gets anything
    assert APIClient().get(URL).status_code in (401, 403)
    assert staff_api(Role.AGENT, "agent-x").get(URL).status_code == 404
    # an expired or inactive agreement is no agreement (the gate is asked at each export)
    sharing_agreement.valid_until = date(2026, 1, 31)
    sharing_agreement.save()
    assert client_for("ccib").get(URL).status_code == 403


def test_the_export_holds_indicators_and_aggregates_only_and_is_one_transfer_record(cases, sharing_agreement):
    """clause: OCC-7, OCC-3"""
    r = client_for("ccib").get(URL, {"output": "csv"})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode()
    rows = list(csv.DictReader(io.StringIO(text)))
    assert set(rows[0]) == {"kind", "value", "bank", "complaints", "total_loss", "first_seen", "last_seen"}
    account = next(row for row in rows if row["kind"] == "bank_account" and row["value"] == "1234567890")
    assert (account["bank"], account["complaints"], account["total_loss"]) == ("004", "3", "3000.00")
    assert {("url", "scam-shop.co.th/x"), ("domain", "scam-shop.co.th"), ("phone", "+66812345678")} <= {
        (row["kind"], row["value"]) for row in rows
    }
    for value in (*IDENTITY, "+66893334444", "ครั้งที่", "ร้านหลอก", "OCC-"):
        assert value not in text
    record = TransferRecord.objects.get(kind="indicators")
    assert record.recipient == "ccib" and record.purpose == "indicator_sharing"
    assert record.payload_sha256 == hashlib.sha256(r.content).hexdigest()
    assert f"indicator_count:{len(rows)}" in record.data_categories and record.complaint_reference == ""
    assert IndicatorExport.objects.get().indicator_count == len(rows) == int(r["X-Indicator-Count"])
    assert transfer_log.verify().ok


def test_misp_objects_filtered_by_kind_with_no_identity_field(cases, sharing_agreement):
    r = client_for("ccib").get(URL, {"output": "misp", "kind": "bank_account"})
    assert r.status_code == 200
    event = json.loads(r.content)["Event"]
    objects = event["Object"]
    assert {o["name"] for o in objects} == {"bank-account"}
    values = {a["value"] for o in objects for a in o["Attribute"] if a["object_relation"] == "account"}
    assert values == {"1234567890", "9998887776"}
    for value in (*IDENTITY, "+66893334444", "ครั้งที่"):
        assert value not in r.content.decode()
    assert TransferRecord.objects.filter(kind="indicators").count() == 1


def test_disputed_and_cleared_indicators_are_never_shared(cases, sharing_agreement, staff_api):
    supervisor = staff_api(Role.SUPERVISOR, "sup-share")
    mule = Indicator.objects.get(value="9998887776")
    phone = Indicator.objects.get(value="+66812345678")
    supervisor.post(
        f"/api/v1/staff/indicators/{mule.pk}/state/",
        {"state": "cleared", "reason": "victim's account"},
        format="json",
    )
    supervisor.post(
        f"/api/v1/staff/indicators/{phone.pk}/state/",
        {"state": "disputed", "reason": "reassigned number"},
        format="json",
    )
    text = client_for("ccib").get(URL).content.decode()
    assert "9998887776" not in text and "+66812345678" not in text and "1234567890" in text


def test_the_date_filter_and_the_agreements_categories_bound_what_is_counted(cases, sharing_agreement):
    client = client_for("ccib")
    assert client.get(URL, {"since": "2099-01-01"}).content.decode().strip().count("\n") == 0
    sharing_agreement.categories.set(Category.objects.filter(code="hacked_account"))
    assert client.get(URL).content.decode().strip().count("\n") == 0
    assert client.get(URL, {"output": "xml"}).status_code == 400


def test_a_case_is_never_disclosed_for_the_indicator_sharing_purpose(cases, sharing_agreement):
    from complaints.models import Complaint
    from routing.disclosure import DisclosureRefused, disclosure_decide

    with pytest.raises(DisclosureRefused) as refused:
        disclosure_decide(
            complaint=Complaint.objects.first(),
            recipient=Agency.objects.get(code="ccib"),
            purpose="indicator_sharing",
            basis="related_agency",
        )
    assert refused.value.code == "purpose_carries_no_case"

"""Indicators from every channel link complaints; staff see the links; supervisors clear, dispute
and list clusters; only centre staff reach these endpoints.

clause: OCC-2 (every channel, one intake path), OCC-4 (staff see the case's context)"""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_intake.telephony.models import Fax
from channels_intake.telephony.services import fax_register, fax_transcribe, phone_complaint_register
from complaints.models import Category, Complaint, Role
from complaints.services.actions import complaint_incident_update
from complaints.services.intake import Incident
from indicators.models import Indicator, IndicatorSighting
from tests.channels_intake.email.conftest import mime
from tests.channels_intake.telephony import media

pytestmark = pytest.mark.django_db


@pytest.fixture
def ingest(demo):
    from channels_intake.email.processing import email_ingest

    return lambda raw: email_ingest(raw, source="test", mailbox="test")


@pytest.fixture
def four_channels(demo, file_complaint, ingest, user_factory, settings):
    """The same scammer (one account, one phone, one PromptPay id, one shop URL) reported four
    times, each in a different form, by web, e-mail, phone and fax."""
    settings.OCC_FAX_GATEWAY_SECRETS = ["x"]
    agent = user_factory(Role.AGENT, "agent-4ch")
    shopping = Category.objects.get(code="online_shopping")
    web = file_complaint(
        description="สั่งของแล้วไม่ได้รับ",
        complainant={"name": "ผู้เสียหาย หนึ่ง", "phone": "0891111111"},
        incident={
            "website_url": "https://WWW.Shop-Deal.co.th/p?utm_source=x",
            "amount_lost": "1500.00",
            "other_party_account": "กสิกรไทย 123-4-56789-0",
            "other_party_phone": "081-234-5678",
        },
    )["reference"]
    mail = ingest(
        mime(
            body="โอนเงินเข้าบัญชี 1234567890 ธนาคารกสิกร แล้วติดต่อร้าน shop-deal.co.th/p ไม่ได้ "
            "โอนพร้อมเพย์ 0655555555 ด้วย",
            sender="victim2@example.org",
            message_id="<ind-1@example.org>",
        )
    ).complaint.reference
    phone = phone_complaint_register(
        actor=agent,
        category=shopping,
        caller_number="0893333333",
        description="ผู้โทรโอนพร้อมเพย์ 065-555-5555 และโทรหาร้านที่เบอร์ +66 81 234 5678",
    ).complaint.reference
    fax = fax_register(
        fileobj=io.BytesIO(media.fax_tiff(pages=1)),
        filename="f.tif",
        sender_number="025555555",
        receiving_line="021275789",
    )
    fax_transcribe(
        actor=agent,
        fax=Fax.objects.get(complaint=fax),
        category=shopping,
        description="ร้าน http://shop-deal.co.th/p/ หลอกขาย",
        incident=Incident(other_party_account="123 4 56789 0", amount_lost=Decimal("2000")),
    )
    return {"web": web, "email": mail, "phone": phone, "fax": fax.reference, "agent": agent}


def linked(client, reference):
    r = client.get(f"/api/v1/staff/complaints/{reference}/linked/")
    assert r.status_code == 200, r.content
    return {(i["kind"], i["value"]): i for i in r.json()["indicators"]}


def test_the_same_indicators_in_different_forms_link_all_four_channels(four_channels, staff_api):
    """clause: OCC-2"""
    agent = staff_api(Role.AGENT, "reader")
    web = linked(agent, four_channels["web"])
    account = web[("bank_account", "1234567890")]
    assert account["bank"] == "004"
    assert {c["reference"] for c in account["complaints"]} == {four_channels["email"], four_channels["fax"]}
    assert account["others"] == 2 and Decimal(account["total_lost"]) == Decimal("2000.00")
    phone = web[("phone", "+66812345678")]
    assert {c["reference"] for c in phone["complaints"]} == {four_channels["phone"]}
    url = web[("url", "shop-deal.co.th/p")]
    assert {c["reference"] for c in url["complaints"]} == {four_channels["email"], four_channels["fax"]}
    assert {c["channel"] for c in url["complaints"]} == {"email", "fax"}
    promptpay = linked(agent, four_channels["email"])[("promptpay", "+66655555555")]
    assert [c["reference"] for c in promptpay["complaints"]] == [four_channels["phone"]]


def test_the_complainants_own_phone_never_becomes_an_indicator(demo, file_complaint):
    ref = file_complaint(
        description="ติดต่อกลับที่เบอร์ของฉัน 081 234 5678 ได้เลย ร้านใช้เบอร์ 0898765432",
        complainant={"name": "สมชาย", "phone": "+66812345678"},
        incident={},
    )["reference"]
    values = set(
        IndicatorSighting.objects.filter(complaint__reference=ref).values_list("indicator__value", flat=True)
    )
    assert values == {"+66898765432"}
    assert not Indicator.objects.filter(value="+66812345678").exists()


def test_phone_complaint_never_takes_the_callers_number(demo, user_factory):
    agent = user_factory(Role.AGENT, "agent-own")
    ref = phone_complaint_register(
        actor=agent,
        category=Category.objects.get(code="online_shopping"),
        caller_number="089-444-4444",
        description="เบอร์ผม 0894444444 ครับ คนขายเบอร์ 0812223333",
    ).complaint.reference
    assert set(
        IndicatorSighting.objects.filter(complaint__reference=ref).values_list("indicator__value", flat=True)
    ) == {"+66812223333"}


def test_a_cleared_indicator_links_nothing_and_a_disputed_one_still_links(four_channels, staff_api):
    supervisor = staff_api(Role.SUPERVISOR, "sup")
    account = Indicator.objects.get(kind="bank_account", value="1234567890")
    r = supervisor.post(
        f"/api/v1/staff/indicators/{account.pk}/state/",
        {"state": "disputed", "reason": "mule"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["state"] == "disputed"
    assert linked(supervisor, four_channels["web"])[("bank_account", "1234567890")]["others"] == 2
    r = supervisor.post(
        f"/api/v1/staff/indicators/{account.pk}/state/",
        {"state": "cleared", "reason": "the holder is a victim too"},
        format="json",
    )
    assert r.status_code == 200
    cleared = linked(supervisor, four_channels["web"])[("bank_account", "1234567890")]
    assert cleared["state"] == "cleared" and cleared["others"] == 0 and cleared["complaints"] == []
    found = supervisor.get("/api/v1/staff/indicators/", {"value": "123-4-56789-0"}).json()
    assert found[0]["complaints"] == []
    # a reason is required, and only supervisors may do it (404 for agents: no oracle)
    assert (
        supervisor.post(
            f"/api/v1/staff/indicators/{account.pk}/state/", {"state": "active"}, format="json"
        ).status_code
        == 400
    )
    agent = staff_api(Role.AGENT, "ag")
    r = agent.post(
        f"/api/v1/staff/indicators/{account.pk}/state/", {"state": "active", "reason": "x"}, format="json"
    )
    assert r.status_code == 404


def test_search_finds_an_indicator_typed_in_any_format(four_channels, staff_api):
    agent = staff_api(Role.AGENT, "searcher")
    for typed in ("123-4-56789-0", "1234567890"):
        (hit,) = [
            i
            for i in agent.get("/api/v1/staff/indicators/", {"value": typed}).json()
            if i["kind"] == "bank_account"
        ]
        assert len(hit["complaints"]) == 3
    hits = agent.get(
        "/api/v1/staff/indicators/", {"value": "https://WWW.Shop-Deal.co.th/p?utm_source=x"}
    ).json()
    assert {(h["kind"], h["value"], len(h["complaints"])) for h in hits} == {
        ("url", "shop-deal.co.th/p", 3),
        ("domain", "shop-deal.co.th", 3),
    }
    assert agent.get("/api/v1/staff/indicators/").status_code == 400


def test_clusters_join_complaints_through_shared_indicators(four_channels, staff_api, file_complaint):
    file_complaint(description="อีกเรื่องหนึ่ง ไม่เกี่ยวกัน", incident={"other_party_phone": "0899999999"})
    supervisor = staff_api(Role.SUPERVISOR, "sup2")
    r = supervisor.get("/api/v1/staff/clusters/")
    assert r.status_code == 200
    (cluster,) = r.json()["results"]
    assert cluster["complaints"] == 4 and cluster["victims"] == 4
    assert Decimal(cluster["total_lost"]) == Decimal("3500.00")
    detail = supervisor.get(f"/api/v1/staff/clusters/{cluster['id']}/").json()
    assert {c["reference"] for c in detail["complaint_list"]} == {
        four_channels[k] for k in ("web", "email", "phone", "fax")
    }
    # agents and agency officers do not reach clusters
    assert staff_api(Role.AGENT, "ag2").get("/api/v1/staff/clusters/").status_code == 404
    assert staff_api(Role.AGENCY_OFFICER, "off").get("/api/v1/staff/clusters/").status_code == 404


def test_agency_officers_never_reach_the_staff_endpoints(four_channels, staff_api):
    officer = staff_api(Role.AGENCY_OFFICER, "officer")
    ref = four_channels["web"]
    for url in (
        f"/api/v1/staff/complaints/{ref}/linked/",
        "/api/v1/staff/indicators/?value=1234567890",
        "/api/v1/staff/clusters/",
        f"/api/v1/staff/clusters/{Indicator.objects.first().pk}/",
    ):
        assert officer.get(url).status_code == 404, url
    assert (
        officer.post(
            f"/api/v1/staff/complaints/{ref}/links/", {"related": ref, "reason": "x"}, format="json"
        ).status_code
        == 404
    )
    assert (
        officer.post(f"/api/v1/staff/complaints/{ref}/duplicate/", {"of": ref}, format="json").status_code
        == 404
    )


def test_an_edit_of_the_incident_facts_reads_the_indicators_again(four_channels, staff_api):
    agent = four_channels["agent"]
    complaint = Complaint.objects.get(reference=four_channels["phone"])
    complaint_incident_update(
        complaint=complaint, actor=agent, incident=Incident(other_party_account="SCB 999-9-99999-9")
    )
    values = set(
        IndicatorSighting.objects.filter(complaint=complaint).values_list("indicator__value", flat=True)
    )
    assert "9999999999" in values and "+66812345678" in values  # the description still counts
    complaint_incident_update(complaint=complaint, actor=agent, incident=Incident(), description="ไม่มีข้อมูลร้าน")
    assert not IndicatorSighting.objects.filter(complaint=complaint).exists()


def test_the_linked_answer_takes_a_fixed_number_of_queries(four_channels, staff_api, file_complaint):
    agent = staff_api(Role.AGENT, "counter")
    ref = four_channels["web"]
    linked(agent, ref)
    with CaptureQueriesContext(connection) as few:
        linked(agent, ref)
    for i in range(5):
        file_complaint(description=f"เรื่องที่ {i}", incident={"other_party_account": "KTB 123-4-56789-0"})
    with CaptureQueriesContext(connection) as many:
        linked(agent, ref)
    assert len(many) == len(few)


def test_the_incident_edit_endpoint_reads_the_indicators_again(four_channels, staff_api):
    agent = staff_api(Role.AGENT, "editor")
    ref = four_channels["web"]
    r = agent.post(
        f"/api/v1/staff/complaints/{ref}/incident/",
        {"other_party_account": "ออมสิน 020-1-23456-7", "amount_lost": "99.00"},
        format="json",
    )
    assert r.status_code == 200, r.content
    values = set(
        IndicatorSighting.objects.filter(complaint__reference=ref).values_list(
            "indicator__value", "indicator__bank"
        )
    )
    assert ("0201234567", "030") in values and not any(v == "+66812345678" for v, _ in values)
    assert (
        staff_api(Role.PRIVACY_OFFICER, "dpo")
        .post(f"/api/v1/staff/complaints/{ref}/incident/", {}, format="json")
        .status_code
        == 404  # may read, not work: 404 like every capability an actor lacks
    )


def test_an_actor_who_reaches_only_some_complaints_sees_only_their_links(
    four_channels, staff_api, monkeypatch
):
    """The linked answer counts and lists only complaints the actor may reach (the access layer's
    scope), not merely hides them."""
    from indicators import access

    allowed = Complaint.objects.filter(reference__in=[four_channels["web"], four_channels["fax"]])
    monkeypatch.setattr(access, "reachable_complaints", lambda actor: allowed)
    account = linked(staff_api(Role.AGENT, "scoped"), four_channels["web"])[("bank_account", "1234567890")]
    assert [c["reference"] for c in account["complaints"]] == [four_channels["fax"]] and account[
        "others"
    ] == 1

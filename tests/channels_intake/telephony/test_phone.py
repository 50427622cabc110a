"""Agents on the phone: a complaint taken by telephone, the caller's number as its contact, calls
linked to cases, and look-ups of the caller's earlier complaints that are themselves logged.

clause: OCC-2 (telephone channel), OCC-5 (the phone number), OCC-8 and DD-4 (who read whose data is
logged; roles that need not see calls do not)."""

import pytest

from channels_intake.telephony.models import Call
from complaints.models import Complaint, Role, TimelineEvent
from privacy.models import AccessLogEntry

pytestmark = pytest.mark.django_db
URL = "/api/v1/staff/phone-complaints/"


def file_phone(client, **body):
    payload = {"category": "financial_scam", "description": "ถูกหลอกให้โอนเงินทางโทรศัพท์", **body}
    return client.post(URL, payload, format="json")


def test_an_agent_files_a_phone_complaint_with_the_callers_number(agent):
    """clause: OCC-2, OCC-5"""
    r = file_phone(agent, caller_number="081 234 5678", name="ผู้โทร ทดสอบ")
    assert r.status_code == 201, r.json()
    body = r.json()
    assert body["tracking_code"] and body["call_id"] is None and body["status"] == "received"
    c = Complaint.objects.get(reference=body["reference"])
    assert (
        c.channel == "phone" and c.complainant.phone == "+66812345678" and c.category.code == "financial_scam"
    )
    assert c.events.get(kind="created").actor == agent.user


def test_the_number_must_be_a_valid_phone_number(agent):
    r = file_phone(agent, caller_number="12")
    assert r.status_code == 400 and list(r.json()["error"]["fields"]) == ["caller_number"]
    r = file_phone(agent)
    assert r.status_code == 400 and "caller_number" in r.json()["error"]["fields"]
    assert not Complaint.objects.exists()


def test_without_a_category_the_case_waits_for_triage(agent):
    r = file_phone(agent, caller_number="0812345678", category=None)
    c = Complaint.objects.get(reference=r.json()["reference"])
    assert c.category is None and c.sla_due_at is None


def test_unknown_fields_are_refused(agent):
    """clause: OCC-1 (minimum data)"""
    r = file_phone(agent, caller_number="0812345678", national_id="1234567890123")
    assert r.status_code == 400 and "national_id" in r.json()["error"]["fields"]


def test_filing_from_a_call_takes_its_number_and_links_it(agent, cti):
    cti("started", call_id="live-1", caller="02-123-4567")
    cti("answered", call_id="live-1", when="2026-11-23T10:00:04+07:00")
    r = file_phone(agent, call_id="live-1")
    assert r.status_code == 201 and r.json()["call_id"] == "live-1"
    c = Complaint.objects.get(reference=r.json()["reference"])
    call = Call.objects.get(call_id="live-1")
    assert c.complainant.phone == "+6621234567" and call.complaint == c and call.linked_by == agent.user
    assert c.events.filter(kind=TimelineEvent.Kind.CALL, text__contains="live-1").exists()


def test_a_withheld_number_asks_the_agent_for_a_contact(agent, cti):
    cti("started", call_id="hidden", caller="anonymous")
    r = file_phone(agent, call_id="hidden")
    assert r.status_code == 400 and "withheld" in r.json()["error"]["fields"]["caller_number"][0]
    assert file_phone(agent, call_id="hidden", caller_number="0899999999").status_code == 201


def test_a_call_already_on_a_case_files_nothing(agent, cti):
    cti("started", call_id="twice")
    assert file_phone(agent, call_id="twice").status_code == 201
    again = file_phone(agent, call_id="twice")
    assert again.status_code == 409 and again.json()["error"]["code"] == "call_already_linked"
    assert Complaint.objects.count() == 1  # the second complaint was rolled back with the link


def test_an_idempotency_key_makes_a_double_submit_one_complaint(agent):
    first = agent.post(
        URL,
        {"caller_number": "0812345678", "category": "other", "description": "โทรแจ้ง"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    again = agent.post(
        URL,
        {"caller_number": "0812345678", "category": "other", "description": "โทรแจ้ง"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    other = agent.post(
        URL,
        {"caller_number": "0812345678", "category": "other", "description": "อื่น"},
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    assert other.status_code == 409 and Complaint.objects.count() == 1


def test_an_agent_links_a_call_to_an_existing_case(agent, cti, file_complaint):
    ref = file_complaint()["reference"]
    cti("started", call_id="follow-up")
    r = agent.post("/api/v1/staff/calls/follow-up/link/", {"reference": ref}, format="json")
    assert r.status_code == 200 and r.json()["complaint"] == ref
    assert (
        agent.post("/api/v1/staff/calls/follow-up/link/", {"reference": ref}, format="json").status_code
        == 200
    )
    other = file_complaint()["reference"]
    moved = agent.post("/api/v1/staff/calls/follow-up/link/", {"reference": other}, format="json")
    assert moved.status_code == 409 and Call.objects.get().complaint.reference == ref
    assert Complaint.objects.get(reference=ref).events.filter(kind="call").count() == 1
    assert agent.post("/api/v1/staff/calls/nope/link/", {"reference": ref}, format="json").status_code == 404


def test_earlier_complaints_of_the_caller_and_the_lookup_is_logged(agent, cti, file_complaint):
    """clause: OCC-8, DD-4"""
    mine = file_complaint(complainant={"phone": "0812345678"})["reference"]
    file_complaint(complainant={"phone": "0899999999"})
    cti("started", call_id="again", caller="+66812345678")
    rows = agent.get("/api/v1/staff/calls/again/earlier-complaints/").json()
    assert [r["reference"] for r in rows] == [mine]
    entry = AccessLogEntry.objects.get(actor=agent.user, action="search")
    assert entry.fields == ["phone"] and entry.complaint_id == Complaint.objects.get(reference=mine).pk
    assert "again" in entry.purpose


def test_a_lookup_by_number_in_the_body_is_logged_even_when_nothing_is_found(agent, file_complaint):
    file_complaint(complainant={"phone": "0812345678"})
    assert (
        len(agent.post("/api/v1/staff/caller-lookup/", {"phone": "081-234-5678"}, format="json").json()) == 1
    )
    assert agent.post("/api/v1/staff/caller-lookup/", {"phone": "0855555555"}, format="json").json() == []
    assert AccessLogEntry.objects.filter(actor=agent.user, action="search").count() == 2
    bad = agent.post("/api/v1/staff/caller-lookup/", {"phone": "12"}, format="json")
    assert bad.status_code == 400 and "phone" in bad.json()["error"]["fields"]


def test_call_lists_and_details_are_logged_and_filtered(agent, cti, user_factory):
    from channels_intake.telephony.models import AgentExtension

    AgentExtension.objects.create(extension="2041", user=agent.user)
    cti("started", call_id="a")
    cti("answered", call_id="a", when="2026-11-23T10:00:02+07:00")
    cti("started", call_id="b", agent_extension="")
    cti("ended", call_id="b", when="2026-11-23T10:01:00+07:00", agent_extension="")
    listed = agent.get("/api/v1/staff/calls/?state=active").json()["results"]
    assert [c["call_id"] for c in listed] == ["a"] and listed[0]["caller_number"] == "+66812345678"
    assert [c["call_id"] for c in agent.get("/api/v1/staff/calls/?mine=true").json()["results"]] == ["a"]
    assert agent.get("/api/v1/staff/calls/b/").json()["state"] == "missed"
    assert AccessLogEntry.objects.filter(object_type="call", action="list").count() == 2
    assert AccessLogEntry.objects.filter(object_type="call", action="view").count() == 1
    assert agent.get("/api/v1/staff/calls/?state=bogus").status_code == 400


def test_the_list_costs_the_same_queries_for_one_call_or_many(agent, cti, django_assert_max_num_queries):
    for i in range(12):
        cti("started", call_id=f"q-{i}")
    with django_assert_max_num_queries(8):
        assert len(agent.get("/api/v1/staff/calls/").json()["results"]) == 12


@pytest.mark.parametrize("role", [Role.AGENCY_OFFICER, Role.AUDITOR])
def test_roles_outside_the_centre_see_no_calls(staff_api, cti, role):
    """clause: DD-4 (access only for those who need to know)"""
    cti("started", call_id="secret")
    client = staff_api(role, f"u-{role}")
    assert client.get("/api/v1/staff/calls/secret/").status_code == 404
    assert client.get("/api/v1/staff/calls/").status_code == 404  # the list too: not for them
    assert client.get("/api/v1/staff/calls/secret/earlier-complaints/").status_code == 404
    assert file_phone(client, caller_number="0812345678").status_code == 404


def test_a_privacy_officer_may_read_calls_but_not_file(staff_api, cti):
    cti("started", call_id="dpo")
    dpo = staff_api(Role.PRIVACY_OFFICER, "dpo")
    assert dpo.get("/api/v1/staff/calls/dpo/").status_code == 200
    # a capability the role lacks answers like an unknown address (one access layer)
    assert file_phone(dpo, caller_number="0812345678").status_code == 404

"""The gate at the moment data leaves (issue 11): every release of case data to an agency (each
delivery attempt, each agency API fetch, each agency inbox page) asks the disclosure gate then, and
the referral keeps no copy of personal data (OCC-7, OCC-8, OCC-11, PDPA s.33, s.34, s.36)."""

import hashlib
import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from complaints.models import Agency, Complaint, Role, TimelineEvent
from privacy import transfer_log
from privacy.models import DataSharingAgreement, TransferRecord
from privacy.ops.services import erasure
from privacy.services import consent_record, consent_withdraw
from routing import tasks
from routing.disclosure import canonical
from routing.models import Referral
from routing.referrals import referral_create

from .test_referral_delivery import Receiver

pytestmark = pytest.mark.django_db
A = "/api/v1/agency/referrals/"
NAME, PHONE, EMAIL = "สมชาย ใจดี", "+66812345678", "somchai@example.com"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def case(file_complaint):
    return Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])


def _agent(user_factory):
    return user_factory(Role.AGENT, f"agent-{Referral.objects.count()}")


def _by_agreement(case, user_factory, code="ccib", purpose="investigation"):
    return referral_create(
        complaint=case,
        agency=Agency.objects.get(code=code),
        purpose=purpose,
        basis="related_agency",
        actor=_agent(user_factory),
    )


def _by_consent(case, user_factory, code="ccib"):
    consent = consent_record(
        complainant=case.complainant,
        purposes=["investigation"],
        fields=["complainant.name", "complainant.phone", "complainant.email", "complaint.description"],
        channel="web",
        statement="ยินยอมให้ส่งต่อตำรวจ",
        agency=Agency.objects.get(code=code),
    )
    ref = referral_create(
        complaint=case,
        agency=Agency.objects.get(code=code),
        purpose="investigation",
        basis="consent",
        actor=_agent(user_factory),
        consent_id=consent.pk,
    )
    return ref, consent


def _restrict(case):
    case.complainant.processing_restricted_at = timezone.now()
    case.complainant.save(update_fields=["processing_restricted_at"])


def _erase(case, user_factory):
    erasure.complaint_anonymise(complaint=case, actor=user_factory(Role.PRIVACY_OFFICER, "dpo"), reason="t")


def _expire(case):
    DataSharingAgreement.objects.filter(agency__code="ccib").update(
        valid_from=date(2020, 1, 1), valid_until=timezone.localdate() - timedelta(days=1)
    )


@pytest.fixture
def police(staff_api):
    return staff_api(Role.AGENCY_OFFICER, "police-officer", agency=Agency.objects.get(code="ccib"))


# --- the leaks of "What an agency may see is decided once and stored" ----------------------------

EVENTS = ["consent_withdrawn", "restricted", "erased", "no_agreement"]


def _make(event, case, user_factory):
    """A referral on the basis the event undoes, and a function that makes the event happen."""
    if event == "consent_withdrawn":
        ref, consent = _by_consent(case, user_factory)
        return ref, lambda: consent_withdraw(consent=consent)
    ref = _by_agreement(case, user_factory)
    return ref, {
        "restricted": lambda: _restrict(case),
        "erased": lambda: _erase(case, user_factory),
        "no_agreement": lambda: _expire(case),
    }[event]


@pytest.mark.parametrize("event", EVENTS)
def test_the_next_pull_after_the_event_gets_no_data_and_a_reason_code(event, case, police, user_factory):
    """clause: OCC-7, OCC-13, PDPA s.33, s.34 (the basis and the subject's state are checked at each
    read: withdrawn consent, restriction, erasure, an expired agreement each stop the next pull)"""
    ref, happen = _make(event, case, user_factory)
    first = police.get(f"{A}{ref.delivery_id}/")
    assert first.status_code == 200 and first.json()["case"]["complainant"]["name"] == NAME
    reads = TransferRecord.objects.filter(kind="agency_read").count()
    happen()

    r = police.get(f"{A}{ref.delivery_id}/")
    assert r.status_code == 200
    body = r.json()
    assert body["case"] is None and body["case_sha256"] is None
    assert body["referral"]["state"] == "withdrawn" and body["referral"]["withdrawn_reason"] == event
    assert body["withdrawal"]["reason_code"] == event and body["withdrawal"]["instruction"]
    raw = r.content.decode()
    for personal in (NAME, PHONE, "Somchai", "example.com"):
        assert personal not in raw
    # no disclosure record for a refused release, and none for the reads after it
    police.get(f"{A}{ref.delivery_id}/")
    assert TransferRecord.objects.filter(kind="agency_read").count() == reads
    # the reason is where agents and supervisors see it: state, attempt log, case timeline
    ref.refresh_from_db()
    assert ref.state == "withdrawn" and ref.withdrawn_reason == event and ref.withdrawn_at
    assert list(ref.attempt_log.values_list("kind", "error")) == [("refused", event)]
    note = TimelineEvent.objects.get(complaint=case, kind="referral_withdrawn")
    assert note.text == f"ccib: {event}" and not note.is_public
    # the list still names the referral, as withdrawn
    row = police.get(A).json()[0]
    assert row["state"] == "withdrawn" and row["withdrawn_reason"] == event


@pytest.mark.parametrize("event", EVENTS)
def test_the_next_delivery_attempt_after_the_event_sends_nothing_and_stops(
    event, case, receiver, user_factory, settings, django_capture_on_commit_callbacks
):
    """clause: OCC-7, PDPA s.33, s.34 (a retrying delivery asks the gate again and stops)"""
    settings.OCC_WEBHOOK_READ_TIMEOUT = settings.OCC_WEBHOOK_CONNECT_TIMEOUT = 0.5
    Agency.objects.filter(code="ccib").update(
        delivery_method="webhook", webhook_url=receiver.url, webhook_secret="s" * 20
    )
    receiver.answers = [503]
    with django_capture_on_commit_callbacks(execute=True):
        ref, happen = _make(event, case, user_factory)
    ref.refresh_from_db()
    assert ref.state == "retrying" and len(receiver.requests) == 1
    happen()
    Referral.objects.filter(pk=ref.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    tasks.referrals_retry_due.apply()
    ref.refresh_from_db()
    assert ref.state == "withdrawn" and ref.withdrawn_reason == event
    assert len(receiver.requests) == 1  # nothing more was sent
    assert not TransferRecord.objects.filter(kind="disclosure").exists()
    from routing.referrals import referral_resend, referrals_due

    assert ref.pk not in referrals_due()  # the retry stopped
    with pytest.raises(ValueError):  # and a withdrawn referral is never resent
        referral_resend(referral=ref, actor=user_factory(Role.SUPERVISOR, "sup"))


def test_a_pending_delivery_of_a_restricted_subject_is_withdrawn_unsent(
    case, receiver, user_factory, settings
):
    """clause: PDPA s.34 (the first attempt, too, asks the gate)"""
    Agency.objects.filter(code="ccib").update(
        delivery_method="webhook", webhook_url=receiver.url, webhook_secret="s" * 20
    )
    ref = _by_agreement(case, user_factory)  # on_commit not run: still pending
    _restrict(case)
    assert tasks.referral_deliver.apply(args=[ref.pk]).get() == "withdrawn"
    assert receiver.requests == [] and TransferRecord.objects.count() == 0


def test_the_agency_inbox_page_asks_the_gate_too(case, user_factory):
    """clause: OCC-7, PDPA s.34 (each agency inbox page is a release)"""
    from tests.web.conftest import verified_client

    ref = _by_agreement(case, user_factory)
    officer = user_factory(Role.AGENCY_OFFICER, "inbox-officer", agency=Agency.objects.get(code="ccib"))
    client = verified_client(officer)
    page = client.get(f"/agency/{ref.delivery_id}/")
    assert page.status_code == 200 and NAME in page.content.decode()
    _restrict(case)
    page = client.get(f"/agency/{ref.delivery_id}/").content.decode()
    assert NAME not in page and PHONE not in page and "restricted" in page
    assert TransferRecord.objects.filter(kind="agency_read").count() == 1
    # the supervisor sees the withdrawal and its reason; so does the agent on the case page
    sup = verified_client(user_factory(Role.SUPERVISOR, "sup-gate")).get("/desk/supervisor/").content.decode()
    assert f'id="withdrawn-{ref.pk}"' in sup and ">restricted<" in sup
    agent = verified_client(user_factory(Role.AGENT, "agent-gate")).get(f"/desk/case/{case.reference}/")
    assert "PDPA s.34" in agent.content.decode() or "ม.34" in agent.content.decode()


# --- no copy in clear; one record per release ------------------------------------------------------


def test_the_referral_keeps_no_copy_of_personal_data(case, police, user_factory):
    """clause: OCC-8 (the referral holds field names and hashes, never the values)"""
    ref = _by_agreement(case, user_factory)
    police.get(f"{A}{ref.delivery_id}/")
    assert "payload" not in {f.name for f in Referral._meta.get_fields()}
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM complaints_referral")
        rows = repr(cursor.fetchall())
        cursor.execute("SELECT * FROM complaints_referralattempt")
        rows += repr(cursor.fetchall())
    for personal in (NAME, PHONE, "omchai@"):
        assert personal not in rows


def test_each_read_is_one_record_of_the_exact_bytes_returned(case, police, user_factory):
    """clause: OCC-8 (the transfer record holds the fields and the SHA-256 of the bytes sent)"""
    ref = _by_agreement(case, user_factory)
    body = police.get(f"{A}{ref.delivery_id}/").json()
    rec = TransferRecord.objects.get(kind="agency_read")
    assert rec.payload_sha256 == hashlib.sha256(canonical(body["case"])).hexdigest() == body["case_sha256"]
    assert rec.fields == body["case"]["disclosure"]["fields"] and "complainant.phone" in rec.fields
    assert transfer_log.verify().ok


def test_a_rectification_reaches_the_next_pull_and_the_next_attempt(
    case, police, receiver, user_factory, settings, django_capture_on_commit_callbacks
):
    """clause: OCC-11, PDPA s.36 (minimised from the case as it is now)"""
    ref = _by_agreement(case, user_factory)
    before = police.get(f"{A}{ref.delivery_id}/").json()
    case.complainant.phone = "+66899999999"
    case.complainant.save(update_fields=["phone"])
    after = police.get(f"{A}{ref.delivery_id}/").json()
    assert before["case"]["complainant"]["phone"] == PHONE
    assert after["case"]["complainant"]["phone"] == "+66899999999"
    hashes = list(TransferRecord.objects.filter(kind="agency_read").values_list("payload_sha256", flat=True))
    assert hashes == [before["case_sha256"], after["case_sha256"]] and hashes[0] != hashes[1]

    # a webhook retry after the correction sends the corrected bytes, under the same delivery id
    settings.OCC_WEBHOOK_READ_TIMEOUT = settings.OCC_WEBHOOK_CONNECT_TIMEOUT = 0.5
    Agency.objects.filter(code="nbtc").update(
        delivery_method="webhook", webhook_url=receiver.url, webhook_secret="s" * 20
    )
    case.description = "มิจฉาชีพโทรมาจากเบอร์ 0812223333 หลอกให้โอนเงิน"
    case.save(update_fields=["description"])
    receiver.answers = [500, 200]
    with django_capture_on_commit_callbacks(execute=True):
        wh = referral_create(
            complaint=case,
            agency=Agency.objects.get(code="nbtc"),
            purpose="regulatory",
            basis="related_agency",
            actor=_agent(user_factory),
        )
    Complaint.objects.filter(pk=case.pk).update(description="มิจฉาชีพโทรมาหลอกให้โอนเงิน (แก้ไขแล้ว)")
    Referral.objects.filter(pk=wh.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    tasks.referrals_retry_due.apply()
    (h1, b1), (h2, b2) = receiver.requests
    assert h1["X-OCC-Delivery"] == h2["X-OCC-Delivery"] == str(wh.delivery_id)
    assert "แก้ไขแล้ว" not in b1.decode() and "แก้ไขแล้ว" in b2.decode()
    rec = TransferRecord.objects.get(kind="disclosure", delivery_id=str(wh.delivery_id))
    assert rec.payload_sha256 == hashlib.sha256(b2).hexdigest()  # the bytes that were delivered
    assert transfer_log.verify().ok


def test_one_delivery_id_may_carry_two_releases_but_a_repeat_is_one_record(db):
    """clause: OCC-8 (at-least-once: the same release twice is one record; other bytes, another)"""
    common = {
        "kind": "disclosure",
        "recipient": "ccib",
        "complaint_reference": "OCC-2026-000001",
        "basis": "related_agency",
        "basis_reference": "agreement #1: x",
        "purpose": "investigation",
        "data_categories": ["case_facts"],
        "fields": [],
        "actor": "system",
        "delivery_id": "d-1",
    }
    a = transfer_log.transfer_append(payload_sha256="a" * 64, **common)
    assert transfer_log.transfer_append(payload_sha256="a" * 64, **common).pk == a.pk
    b = transfer_log.transfer_append(payload_sha256="b" * 64, **common)
    assert b.pk != a.pk and TransferRecord.objects.count() == 2 and transfer_log.verify().ok


# --- case status follows routing ---------------------------------------------------------------


def test_routing_a_received_case_makes_it_referred_for_the_citizen(api, file_complaint, user_factory):
    """clause: OCC-7 (the citizen tracks the case; routed means referred)"""
    filed = file_complaint(category="financial_scam")
    case = Complaint.objects.get(reference=filed["reference"])
    assert case.status == "received"
    _by_agreement(case, user_factory)
    track = api.post(
        "/api/v1/track/",
        {"reference": filed["reference"], "tracking_code": filed["tracking_code"]},
        format="json",
    ).json()
    assert track["status"] == "referred"


def test_a_status_note_is_public_only_when_the_agent_says_so(api, file_complaint, staff_api):
    """clause: OCC-1, DD-4 (internal notes stay internal)"""
    filed = file_complaint()
    agent = staff_api(Role.AGENT, "status-agent")
    url = f"/api/v1/staff/complaints/{filed['reference']}/status/"
    assert agent.post(url, {"status": "triaged", "note": "ผู้ร้องพูดจาหยาบคาย"}, format="json").status_code == 200
    assert (
        agent.post(
            url, {"status": "in_progress", "note": "กำลังประสานร้านค้า", "is_public": True}, format="json"
        )
    ).status_code == 200
    track = APIClient().post(
        "/api/v1/track/",
        {"reference": filed["reference"], "tracking_code": filed["tracking_code"]},
        format="json",
    )
    texts = [e["text"] for e in track.json()["timeline"]]
    assert "กำลังประสานร้านค้า" in texts and "ผู้ร้องพูดจาหยาบคาย" not in track.content.decode()
    assert track.json()["status"] == "in_progress"
    case = Complaint.objects.get(reference=filed["reference"])
    assert TimelineEvent.objects.filter(complaint=case, kind="internal_note", text="ผู้ร้องพูดจาหยาบคาย").exists()
    statuses = TimelineEvent.objects.filter(complaint=case, kind="status")
    assert all(e.is_public for e in statuses) and statuses.count() == 2


def test_payload_body_is_canonical_json(case, police, user_factory):
    """The case an agency receives parses back to the same bytes that were hashed."""
    ref = _by_agreement(case, user_factory)
    body = police.get(f"{A}{ref.delivery_id}/").json()
    assert json.loads(canonical(body["case"])) == body["case"]


def test_withdrawing_consent_through_the_staff_api_withdraws_its_referrals_at_once(
    case, staff_api, user_factory
):
    """clause: OCC-7(a), OCC-13 (a withdrawal stops the referrals resting on the consent)"""
    ref, consent = _by_consent(case, user_factory)
    other = _by_agreement(case, user_factory, code="nbtc", purpose="regulatory")
    agent = staff_api(Role.AGENT, "consent-agent")
    r = agent.post(
        f"/api/v1/staff/complaints/{case.reference}/consents/{consent.pk}/withdraw/", format="json"
    )
    assert r.status_code == 200 and r.json()["referrals_withdrawn"] == 1
    ref.refresh_from_db()
    other.refresh_from_db()
    assert ref.state == "withdrawn" and ref.withdrawn_reason == "consent_withdrawn"
    assert other.state == "available"  # a referral on another basis is untouched

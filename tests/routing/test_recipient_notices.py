"""Recipients are told (issue 11): when a person's data is rectified or erased, or its processing
restricted, every agency the transfer log says received it gets one notice through its delivery
method, with no personal data, delivered like a referral and written to the transfer log
(PDPA s.33, s.34, s.36; OCC-8, OCC-11)."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from complaints.models import Agency, Complaint, Role, TimelineEvent
from privacy import transfer_log
from privacy.models import TransferRecord
from privacy.ops.services import requests as dsr
from routing import tasks
from routing.models import RecipientNotice, Referral
from routing.notices import recipients_notify
from routing.referrals import referral_create

from .test_referral_delivery import Receiver

pytestmark = pytest.mark.django_db
NEW_PHONE = "+66891112222"


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def world(file_complaint, staff_api, user_factory, receiver, settings, django_capture_on_commit_callbacks):
    """A scam case delivered by webhook to the police (ccib), read by the regulator's officer
    (nbtc, pull), and referred to the statistics office (most, pull) which never read it."""
    settings.OCC_WEBHOOK_READ_TIMEOUT = settings.OCC_WEBHOOK_CONNECT_TIMEOUT = 0.5
    Agency.objects.filter(code="ccib").update(
        delivery_method="webhook", webhook_url=receiver.url, webhook_secret="s" * 20
    )
    case = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
    agent = user_factory(Role.AGENT, "router")
    refs = {}
    with django_capture_on_commit_callbacks(execute=True):
        for code, purpose in (("ccib", "investigation"), ("nbtc", "regulatory"), ("most", "statistics")):
            refs[code] = referral_create(
                complaint=case,
                agency=Agency.objects.get(code=code),
                purpose=purpose,
                basis="related_agency",
                actor=agent,
            )
    nbtc = staff_api(Role.AGENCY_OFFICER, "nbtc-officer", agency=Agency.objects.get(code="nbtc"))
    assert nbtc.get(f"/api/v1/agency/referrals/{refs['nbtc'].delivery_id}/").status_code == 200
    most = staff_api(Role.AGENCY_OFFICER, "most-officer", agency=Agency.objects.get(code="most"))
    assert len(receiver.requests) == 1  # the referral itself
    return case, refs, nbtc, most


def _grant(case, type_, details, user_factory, capture):
    req = dsr.dsr_file_by_agent(
        actor=user_factory(Role.AGENT, f"filer-{type_}"),
        complaint=case,
        type=type_,
        details=details,
        identity_check="called back on the number on file",
    )
    with capture(execute=True):
        dsr.dsr_grant(actor=user_factory(Role.PRIVACY_OFFICER, f"dpo-{type_}"), request=req)
    return req


def test_rectification_tells_each_recipient_once_without_personal_data(
    world, receiver, user_factory, django_capture_on_commit_callbacks
):
    """clause: OCC-11, PDPA s.36 (recipients are told; no personal data in the notice)"""
    case, refs, nbtc, most = world
    req = _grant(case, "rectification", {"changes": {"phone": "0891112222"}}, user_factory,
                 django_capture_on_commit_callbacks)  # fmt: skip

    # the police (webhook): one signed notice
    headers, body = receiver.requests[-1]
    assert len(receiver.requests) == 2 and headers["X-OCC-Kind"] == "notice"
    notice = json.loads(body)
    assert notice["event"] == "rectified" and notice["changed"] == ["complainant.phone"]
    assert notice["reference"] == case.reference and notice["instruction"] == "correct_copy"
    assert notice["referrals"] == [str(refs["ccib"].delivery_id)]
    assert headers["X-OCC-Delivery"] == notice["notice_id"]
    for personal in ("+66812345678", "0812345678", NEW_PHONE, "0891112222", "สมชาย", "Somchai"):
        assert personal not in body.decode()

    # the regulator (pull): one notice in the agency API, however often it looks
    first = nbtc.get("/api/v1/agency/notices/").json()
    again = nbtc.get("/api/v1/agency/notices/").json()
    assert len(first) == len(again) == 1 and first[0]["event"] == "rectified"
    assert first[0]["body"]["changed"] == ["complainant.phone"] and first[0]["instruction"]
    # the statistics office never received personal data: it is not told
    assert most.get("/api/v1/agency/notices/").json() == []

    records = TransferRecord.objects.filter(kind="notice")
    assert sorted(records.values_list("recipient", flat=True)) == ["ccib", "nbtc"]
    assert set(records.values_list("complaint_reference", flat=True)) == {case.reference}
    assert transfer_log.verify().ok

    # at-least-once, idempotent: the task again, the same event again: nothing new
    ccib_notice = RecipientNotice.objects.get(agency__code="ccib")
    assert tasks.notice_deliver.apply(args=[ccib_notice.pk]).get() == "not-claimed"
    assert (
        recipients_notify(complaint_ids=[case.pk], event="rectified", event_key=f"dsr:{req.public_id}") == []
    )
    assert RecipientNotice.objects.count() == 2 and len(receiver.requests) == 2
    assert TransferRecord.objects.filter(kind="notice").count() == 2
    # and the next release carries the corrected phone
    fresh = nbtc.get(f"/api/v1/agency/referrals/{refs['nbtc'].delivery_id}/").json()
    assert "complainant" not in fresh["case"]  # the regulator's profile has no identity anyway
    assert TimelineEvent.objects.filter(complaint=case, kind="recipient_notice", text="rectified: ccib, nbtc")


def test_a_notice_is_retried_like_a_referral_with_one_delivery_id(
    world, receiver, user_factory, django_capture_on_commit_callbacks
):
    """clause: OCC-8 (queued, retried with back-off, one delivery id, one record)"""
    case, refs, nbtc, most = world
    receiver.answers = [503]
    _grant(case, "restriction", {}, user_factory, django_capture_on_commit_callbacks)
    notice = RecipientNotice.objects.get(agency__code="ccib")
    assert notice.state == "retrying" and notice.event == "restricted"
    assert not TransferRecord.objects.filter(kind="notice", recipient="ccib").exists()
    RecipientNotice.objects.filter(pk=notice.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    assert tasks.notices_retry_due.apply().get() == 1
    notice.refresh_from_db()
    assert notice.state == "delivered" and notice.attempts == 2
    (h1, b1), (h2, b2) = receiver.requests[1:]
    assert h1["X-OCC-Delivery"] == h2["X-OCC-Delivery"] == str(notice.delivery_id) and b1 == b2
    assert TransferRecord.objects.filter(kind="notice", recipient="ccib").count() == 1
    # restriction also withdrew every open referral of the case at once
    assert set(Referral.objects.filter(complaint=case).values_list("state", flat=True)) == {"withdrawn"}


def test_erasure_tells_the_recipients_and_withdraws_the_referrals(
    world, receiver, user_factory, django_capture_on_commit_callbacks
):
    """clause: PDPA s.33, OCC-11 (erasure reaches the agencies that hold a copy)"""
    case, refs, nbtc, most = world
    _grant(case, "erasure", {}, user_factory, django_capture_on_commit_callbacks)
    body = json.loads(receiver.requests[-1][1])
    assert body["event"] == "erased" and body["instruction"] == "erase_copy"
    assert nbtc.get("/api/v1/agency/notices/").json()[0]["event"] == "erased"
    r = nbtc.get(f"/api/v1/agency/referrals/{refs['nbtc'].delivery_id}/").json()
    assert r["case"] is None and r["withdrawal"]["reason_code"] == "erased"
    assert Referral.objects.get(pk=refs["ccib"].pk).withdrawn_reason == "erased"
    assert TransferRecord.objects.filter(kind="notice").count() == 2


def test_the_inbox_shows_the_notice(world, user_factory, django_capture_on_commit_callbacks):
    """clause: PDPA s.34 (an officer who reads through the inbox is told too)"""
    from tests.web.conftest import verified_client

    case, refs, nbtc, most = world
    _grant(case, "restriction", {}, user_factory, django_capture_on_commit_callbacks)
    officer = user_factory(Role.AGENCY_OFFICER, "nbtc-inbox", agency=Agency.objects.get(code="nbtc"))
    page = verified_client(officer).get("/agency/").content.decode()
    notice = RecipientNotice.objects.get(agency__code="nbtc")
    assert f"notice-{notice.delivery_id}" in page and case.reference in page
    assert TransferRecord.objects.filter(kind="notice", recipient="nbtc").count() == 1

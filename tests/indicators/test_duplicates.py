"""Links and duplicates between complaints: both timelines and the audit log; the citizen tracking
a duplicate sees it was joined and the surviving case's public status, never its data; e-mail
replies to a duplicate thread into the surviving case; possible duplicates at intake.

clause: OCC-10 (tracking shows no personal data), OCC-4"""

from __future__ import annotations

import re

import pytest
from auditlog.models import LogEntry
from django.core import mail as outbox_mail

from complaints.models import Complaint, Role, TimelineEvent
from indicators.models import ComplaintLink
from tests.channels_intake.email.conftest import mime

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair(file_complaint):
    first = file_complaint(
        description="ร้านค้าหลอก โอนเงินแล้วไม่ได้ของ",
        complainant={"name": "นางสาวผู้รอด เดิม", "phone": "0891234567", "email": "survivor@example.org"},
        incident={"other_party_account": "SCB 111-2-33333-4", "amount_lost": "900"},
    )
    second = file_complaint(
        description="แจ้งซ้ำเรื่องเดิม บัญชี ไทยพาณิชย์ 1112333334",
        complainant={"name": "นาย ซ้ำ", "phone": "0891234567"},
        incident={},
    )
    return first, second


def test_mark_duplicate_and_undo_in_both_timelines_and_the_audit_log(pair, staff_api):
    first, second = pair
    agent = staff_api(Role.AGENT, "dup-agent")
    r = agent.post(
        f"/api/v1/staff/complaints/{second['reference']}/duplicate/",
        {"of": first["reference"], "reason": "same caller, same account"},
        format="json",
    )
    assert r.status_code == 201, r.content
    dup = Complaint.objects.get(reference=second["reference"])
    survivor = Complaint.objects.get(reference=first["reference"])
    assert dup.status == "duplicate" and dup.duplicate_of == survivor
    assert TimelineEvent.objects.filter(
        complaint=dup, kind="joined", text__contains=survivor.reference
    ).exists()
    assert TimelineEvent.objects.filter(
        complaint=survivor, kind="joined", text__contains=dup.reference
    ).exists()
    link = ComplaintLink.objects.get(kind="duplicate")
    assert LogEntry.objects.get_for_object(link).exists()
    assert (
        agent.get(f"/api/v1/staff/complaints/{dup.reference}/linked/").json()["duplicate_of"]
        == survivor.reference
    )
    # undo: back to the status it had, both timelines, the link kept as undone
    r = agent.post(
        f"/api/v1/staff/complaints/{dup.reference}/duplicate/undo/",
        {"reason": "different case"},
        format="json",
    )
    assert r.status_code == 200 and r.json()["status"] == "received"
    dup.refresh_from_db()
    assert dup.status == "received" and dup.duplicate_of is None
    assert TimelineEvent.objects.filter(
        complaint=survivor, kind="joined", text__contains="no longer"
    ).exists()
    assert TimelineEvent.objects.filter(complaint=dup, kind="joined", text__contains="no longer").exists()
    link.refresh_from_db()
    assert link.undone_at is not None and LogEntry.objects.get_for_object(link).count() == 2
    # undoing twice is refused, as is a plain status change to duplicate
    assert (
        agent.post(f"/api/v1/staff/complaints/{dup.reference}/duplicate/undo/", {}, format="json").status_code
        == 409
    )
    r = agent.post(
        f"/api/v1/staff/complaints/{dup.reference}/status/", {"status": "duplicate"}, format="json"
    )
    assert r.status_code == 400


def test_related_link_and_its_undo_in_both_timelines(pair, staff_api):
    first, second = pair
    agent = staff_api(Role.AGENT, "link-agent")
    r = agent.post(
        f"/api/v1/staff/complaints/{first['reference']}/links/",
        {"related": second["reference"], "reason": "same shop"},
        format="json",
    )
    assert r.status_code == 201
    link_id = r.json()["id"]
    for ref in (first["reference"], second["reference"]):
        assert (
            TimelineEvent.objects.filter(complaint__reference=ref, kind="linked", is_public=False).count()
            == 1
        )
    assert (
        agent.post(
            f"/api/v1/staff/complaints/{first['reference']}/links/",
            {"related": second["reference"]},
            format="json",
        ).status_code
        == 400
    )
    r = agent.post(f"/api/v1/staff/links/{link_id}/undo/", {"reason": "not the same"}, format="json")
    assert r.status_code == 200 and r.json()["undone_at"]
    for ref in (first["reference"], second["reference"]):
        assert TimelineEvent.objects.filter(complaint__reference=ref, kind="linked").count() == 2
    assert LogEntry.objects.get_for_object(ComplaintLink.objects.get(pk=link_id)).count() == 2


def test_tracking_a_duplicate_shows_the_joined_status_and_no_data_of_the_surviving_case(pair, staff_api, api):
    """clause: OCC-10"""
    first, second = pair
    agent = staff_api(Role.SUPERVISOR, "dup-sup")
    agent.post(
        f"/api/v1/staff/complaints/{second['reference']}/duplicate/",
        {"of": first["reference"], "reason": "x"},
        format="json",
    )
    agent.post(f"/api/v1/staff/complaints/{first['reference']}/status/", {"status": "triaged"}, format="json")
    r = api.post(
        "/api/v1/track/",
        {"reference": second["reference"], "tracking_code": second["tracking_code"]},
        format="json",
    )
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "duplicate"
    assert body["joined"]["status"] == "triaged" and body["joined"]["status_label"]
    text = r.content.decode()
    for secret in (
        first["reference"],
        "ผู้รอด",
        "survivor@example.org",
        "0891234567",
        "+66891234567",
        "1112333334",
    ):
        assert secret not in text
    page = api.post("/track/", {"reference": second["reference"], "tracking_code": second["tracking_code"]})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'id="track-joined"' in html and first["reference"] not in html and "ผู้รอด" not in html
    # the surviving case's own tracking is unchanged
    r = api.post(
        "/api/v1/track/",
        {"reference": first["reference"], "tracking_code": first["tracking_code"]},
        format="json",
    )
    assert r.json()["joined"] is None


def test_an_email_reply_to_a_duplicate_threads_into_the_surviving_case(
    demo, staff_api, file_complaint, django_capture_on_commit_callbacks
):
    from channels_intake.email.processing import email_ingest

    survivor = file_complaint(description="เรื่องเดิม", complainant={"name": "ก", "email": "buyer@example.com"})
    outbox_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        item = email_ingest(mime(message_id="<d1@example.com>"), source="test", mailbox="test")
    dup = item.complaint
    token = re.search(r"\[#([A-Z2-9]{12})\]", outbox_mail.outbox[-1].subject).group(1)
    staff_api(Role.AGENT, "mail-agent").post(
        f"/api/v1/staff/complaints/{dup.reference}/duplicate/",
        {"of": survivor["reference"], "reason": "same"},
        format="json",
    )
    reply = mime(body="ส่งข้อมูลเพิ่ม", subject=f"Re: [#{token}]", message_id="<d2@example.com>")
    item = email_ingest(reply, source="test", mailbox="test")
    assert item.complaint.reference == survivor["reference"]
    assert TimelineEvent.objects.filter(
        complaint__reference=survivor["reference"], kind="citizen_message", text__contains="ส่งข้อมูลเพิ่ม"
    ).exists()
    assert not TimelineEvent.objects.filter(complaint=dup, kind="citizen_message").exists()


def test_possible_duplicates_same_contact_same_indicator_within_30_days(pair, staff_api, file_complaint):
    first, second = pair
    other_person = file_complaint(
        description="บัญชี SCB 1112333334 เหมือนกัน",
        complainant={"name": "ค", "phone": "0897777777"},
        incident={},
    )
    agent = staff_api(Role.AGENT, "intake-agent")
    body = agent.get(f"/api/v1/staff/complaints/{second['reference']}/linked/").json()
    assert [d["reference"] for d in body["possible_duplicates"]] == [first["reference"]]
    assert other_person["reference"] not in {d["reference"] for d in body["possible_duplicates"]}
    old = Complaint.objects.get(reference=first["reference"])
    from datetime import timedelta

    from indicators.models import IndicatorSighting

    IndicatorSighting.objects.filter(complaint=old).update(seen_at=old.received_at - timedelta(days=31))
    body = agent.get(f"/api/v1/staff/complaints/{second['reference']}/linked/").json()
    assert body["possible_duplicates"] == []


def test_a_duplicate_chain_points_to_its_end_and_never_loops(pair, staff_api, file_complaint):
    first, second = pair
    third = file_complaint(description="อีกครั้ง", complainant={"name": "ง", "phone": "0891234567"})
    agent = staff_api(Role.AGENT, "chain")
    assert (
        agent.post(
            f"/api/v1/staff/complaints/{second['reference']}/duplicate/",
            {"of": first["reference"]},
            format="json",
        ).status_code
        == 201
    )
    assert (
        agent.post(
            f"/api/v1/staff/complaints/{third['reference']}/duplicate/",
            {"of": second["reference"]},
            format="json",
        ).status_code
        == 201
    )
    assert Complaint.objects.get(reference=third["reference"]).duplicate_of.reference == first["reference"]
    r = agent.post(
        f"/api/v1/staff/complaints/{first['reference']}/duplicate/", {"of": third["reference"]}, format="json"
    )
    assert r.status_code == 400
    assert (
        agent.post(
            f"/api/v1/staff/complaints/{first['reference']}/duplicate/",
            {"of": first["reference"]},
            format="json",
        ).status_code
        == 400
    )

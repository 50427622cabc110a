"""E-mail into complaints: nothing lost, nothing duplicated, safe threading (OCC-2, OCC-3, OCC-4, OCC-14)."""

import io
import mailbox
import re
import time

import pytest
from django.core import mail as outbox_mail
from django.core.management import call_command
from rest_framework.test import APIClient

from channels_intake.email.processing import email_ingest
from channels_intake.email.sources import imap_poll
from channels_intake.models import InboundItem
from complaints.models import Attachment, Category, Complaint, TimelineEvent
from occ.signing.inbound import body_headers as sign
from privacy.models import TrafficRecord

from .conftest import THAI, app_part, forwarded, image_part, mime, raw_8bit

pytestmark = pytest.mark.django_db


def test_new_message_becomes_an_email_complaint_for_triage(ingest, django_capture_on_commit_callbacks):
    """clause: OCC-2, OCC-3 (sender's address as contact, display name as name; nothing more)"""
    outbox_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        item = ingest(mime(headers={"X-Originating-IP": "[203.0.113.50]"}))
    assert item.state == "processed"
    c = item.complaint
    assert c.channel == "email" and c.category is None  # waits for agent triage
    assert c.complainant.email == "buyer@example.com" and c.complainant.name == "สมชาย ใจดี"
    assert not c.complainant.phone and not c.complainant.address
    assert THAI in c.description
    traffic = TrafficRecord.objects.get(channel="email")
    assert traffic.host == "example.com" and traffic.ip_address == "203.0.113.50" and traffic.method == "SMTP"
    ack = outbox_mail.outbox[-1]
    assert ack.to == ["buyer@example.com"] and c.reference in ack.subject
    code = re.search(r"([A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4}-[A-Z2-9]{4})", ack.body).group(1)
    assert ack.extra_headers["Auto-Submitted"] == "auto-replied"
    track = APIClient().post(
        "/api/v1/track/", {"reference": c.reference, "tracking_code": code}, format="json"
    )
    assert track.status_code == 200  # the mailed code opens the case


def test_same_message_twice_creates_nothing_new(ingest):
    raw = mime()
    first = ingest(raw)
    second = ingest(raw)
    assert first.pk == second.pk and Complaint.objects.count() == 1 and InboundItem.objects.count() == 1


def test_without_message_id_the_content_hash_deduplicates(ingest):
    raw = mime(message_id=None)
    ingest(raw)
    ingest(raw)
    assert Complaint.objects.count() == 1


def test_message_id_is_per_mailbox(ingest):
    ingest(mime(), mailbox="a")
    ingest(mime(body="อีกเรื่อง"), mailbox="b")
    assert Complaint.objects.count() == 2


def test_category_rule_by_recipient(ingest):
    from channels_intake.email.models import MailRule

    MailRule.objects.create(
        recipient="scam@1212.example", category=Category.objects.get(code="financial_scam")
    )
    item = ingest(mime(to="scam@1212.example"))
    assert item.complaint.category.code == "financial_scam"


def test_rules_are_read_once_per_batch_and_a_change_applies_at_once(ingest):
    """clause: OCC-2 (e-mail channel: a batch of mail asks for the rules once; a rule saved or
    switched off applies to the very next message)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from channels_intake.email.models import MailRule

    rule = MailRule.objects.create(
        subject_keyword="แชร์ลูกโซ่", category=Category.objects.get(code="financial_scam")
    )
    with CaptureQueriesContext(connection) as ctx:
        items = [
            ingest(mime(subject=f"แชร์ลูกโซ่ รายที่ {i}", body=f"เรื่องที่ {i}", message_id=f"<r{i}@example.com>"))
            for i in range(3)
        ]
    assert [i.complaint.category.code for i in items] == ["financial_scam"] * 3
    assert sum(MailRule._meta.db_table in q["sql"] for q in ctx.captured_queries) == 1
    rule.is_active = False
    rule.save()
    assert (
        ingest(
            mime(subject="แชร์ลูกโซ่ อีกราย", body="เรื่องใหม่", message_id="<r9@example.com>")
        ).complaint.category
        is None
    )


def _ack_token(django_capture_on_commit_callbacks, ingest, raw):
    outbox_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        item = ingest(raw)
    ack = outbox_mail.outbox[-1]
    token = re.search(r"\[#([A-Z2-9]{12})\]", ack.subject).group(1)
    return item.complaint, token, ack


def test_reply_with_token_from_the_contact_joins_the_case(ingest, django_capture_on_commit_callbacks):
    case, token, ack = _ack_token(django_capture_on_commit_callbacks, ingest, mime())
    assert ack.reply_to == [f"1212+{token}@mdes.go.th"]
    reply = mime(
        body="ส่งสลิปเพิ่มเติมครับ",
        subject=f"Re: [{case.reference}] [#{token}] รับเรื่องแล้ว",
        message_id="<reply1@example.com>",
        attachments=[image_part("slip2.png")],
    )
    item = ingest(reply)
    assert item.complaint == case and Complaint.objects.count() == 1
    assert TimelineEvent.objects.filter(
        complaint=case, kind="citizen_message", text__contains="ส่งสลิปเพิ่มเติม"
    ).exists()
    assert Attachment.objects.filter(complaint=case, original_name="slip2.png").exists()
    # the token in a plus-addressed recipient works too
    plus = mime(
        body="อีกข้อความ",
        subject="ข้อมูลเพิ่ม",
        to=f"1212+{token.lower()}@mdes.go.th",
        message_id="<reply2@example.com>",
    )
    assert ingest(plus).complaint == case


def test_token_from_another_sender_never_attaches(ingest, django_capture_on_commit_callbacks):
    """The Zammad hole: a stranger who knows the subject cannot inject mail into a case."""
    case, token, _ = _ack_token(django_capture_on_commit_callbacks, ingest, mime())
    intruder = mime(
        body="ยกเลิกเรื่องนี้",
        subject=f"Re: [{case.reference}] [#{token}]",
        sender="other@example.net",
        message_id="<evil@example.net>",
    )
    item = ingest(intruder)
    assert (
        item.state == "quarantined"
        and case.reference in item.reason
        and "not the case's contact" in item.reason
    )
    assert not TimelineEvent.objects.filter(complaint=case, kind="citizen_message").exists()


def test_a_reference_number_alone_never_attaches(ingest, django_capture_on_commit_callbacks):
    case, _, _ = _ack_token(django_capture_on_commit_callbacks, ingest, mime())
    guess = mime(body="ตามเรื่องเดิม", subject=f"Re: {case.reference}", message_id="<guess@example.com>")
    item = ingest(guess)
    assert item.complaint != case and Complaint.objects.count() == 2
    note = TimelineEvent.objects.get(complaint=item.complaint, kind="internal_note")
    assert case.reference in note.text and "without its reply token" in note.text


@pytest.mark.parametrize(
    "headers,sender",
    [
        ({"Auto-Submitted": "auto-replied"}, "buyer@example.com"),
        ({"Precedence": "junk"}, "buyer@example.com"),
        ({"List-Id": "<list.example.com>"}, "buyer@example.com"),
        ({}, "MAILER-DAEMON@mx.example.com"),
        ({"Return-Path": "<>"}, "buyer@example.com"),
    ],
)
def test_automatic_mail_creates_nothing_and_gets_no_answer(
    ingest, django_capture_on_commit_callbacks, headers, sender
):
    outbox_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        item = ingest(mime(headers=headers, sender=sender))
    assert item.state == "ignored" and item.reason.startswith("automatic message")
    assert Complaint.objects.count() == 0 and outbox_mail.outbox == []
    assert item.raw  # kept


def test_two_auto_responders_cannot_loop(ingest, django_capture_on_commit_callbacks, settings):
    settings.OCC_ACK_PER_SENDER_PER_HOUR = 2
    outbox_mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        for i in range(4):
            ingest(mime(body=f"เรื่องที่ {i}", message_id=f"<loop{i}@example.com>"))
    assert Complaint.objects.count() == 4 and len(outbox_mail.outbox) == 2


def test_disguised_and_oversized_attachments_refused_alone_message_kept(ingest, settings):
    settings.OCC = {**settings.OCC, "ATTACHMENT_MAX_BYTES": 2000}
    raw = mime(
        attachments=[
            image_part("ok.png"),
            app_part("photo.jpg", b"MZ\x90\x00" + b"\x00" * 300),
            app_part("big.pdf", b"%PDF-1.4" + b"0" * 5000, "pdf"),
        ]
    )
    item = ingest(raw)
    assert item.state == "processed"
    c = item.complaint
    assert list(c.attachments.values_list("original_name", flat=True)) == ["ok.png"]
    refusals = list(
        TimelineEvent.objects.filter(complaint=c, kind="evidence_rejected").values_list("text", flat=True)
    )
    assert (
        len(refusals) == 2
        and any("photo.jpg" in t for t in refusals)
        and any("big.pdf" in t for t in refusals)
    )


def test_nested_message_attachments_become_evidence(ingest):
    inner = mime(body="ข้อความต้นฉบับ", attachments=[image_part("from-scammer.png")], message_id="<inner@x>")
    item = ingest(mime(attachments=[forwarded(inner)]))
    assert list(item.complaint.attachments.values_list("original_name", flat=True)) == ["from-scammer.png"]


def test_unparseable_sender_is_quarantined_and_reprocessed_after_fix(ingest):
    item = ingest(b"Subject: no sender\r\nContent-Type: text/plain\r\n\r\nhello")
    assert item.state == "quarantined" and "sender" in item.reason
    assert InboundItem.objects.get(pk=item.pk).raw.read().startswith(b"Subject")
    call_command("reprocess_inbound", str(item.pk), stdout=io.StringIO())
    assert InboundItem.objects.get(pk=item.pk).state == "quarantined"  # still bad: still kept


def test_oversized_message_is_kept_in_quarantine(ingest, settings):
    settings.OCC_EMAIL_MAX_BYTES = 500
    item = ingest(mime(body="ก" * 1000))
    assert (
        item.state == "quarantined"
        and "larger than the limit" in item.reason
        and Complaint.objects.count() == 0
    )


def test_fax_to_email_with_a_broken_fax_waits_in_quarantine(ingest, settings):
    settings.OCC_FAX_TO_EMAIL_SENDERS = ["fax@faxserver.example"]
    item = ingest(mime(sender="fax@faxserver.example", attachments=[app_part("fax.pdf", b"%PDF-1.4", "pdf")]))
    assert item.state == "quarantined" and "fax.pdf" in item.reason and "damaged PDF" in item.reason
    assert Complaint.objects.count() == 0


def test_ingest_email_command_reads_eml_mbox_and_maildir(demo, tmp_path):
    (tmp_path / "one.eml").write_bytes(mime(message_id="<eml@x>"))
    box = mailbox.mbox(str(tmp_path / "box.mbox"))
    box.add(mime(message_id="<mbox1@x>"))
    box.add(raw_8bit(THAI.encode("cp874"), charset_label=None, message_id="<mbox2@x>"))
    box.flush()
    md = mailbox.Maildir(str(tmp_path / "Maildir"))
    md.add(mime(message_id="<md1@x>"))
    md.flush()
    out = io.StringIO()
    call_command(
        "ingest_email",
        str(tmp_path / "one.eml"),
        str(tmp_path / "box.mbox"),
        str(tmp_path / "Maildir"),
        stdout=out,
    )
    assert "complaints: 4" in out.getvalue() and Complaint.objects.count() == 4
    call_command("ingest_email", str(tmp_path), stdout=io.StringIO())  # the whole folder again
    assert Complaint.objects.count() == 4
    assert Complaint.objects.filter(description__contains=THAI).count() == 4


class FakeImap:
    """An IMAP server stand-in that can fail midway."""

    def __init__(self, messages, fail_after=None):
        self.messages = dict(messages)
        self.seen: set[bytes] = set()
        self.fail_after = fail_after
        self.fetches = 0

    def select(self, folder):
        return "OK", [b"1"]

    def uid(self, command, *args):
        if command == "SEARCH":
            return "OK", [b" ".join(u for u in self.messages if u not in self.seen)]
        if command == "FETCH":
            self.fetches += 1
            if self.fail_after is not None and self.fetches > self.fail_after:
                raise ConnectionResetError("server went away")
            return "OK", [(b"1 (BODY[] {n})", self.messages[args[0]]), b")"]
        if command == "STORE":
            self.seen.add(args[0])
            return "OK", []
        raise AssertionError(command)

    def logout(self):
        return "BYE", []


def test_imap_failing_midway_loses_nothing_and_duplicates_nothing(demo, settings):
    settings.OCC_IMAP = {**settings.OCC_IMAP, "HOST": "imap.example", "DONE_FOLDER": ""}
    server = FakeImap(
        {b"1": mime(message_id="<i1@x>"), b"2": mime(message_id="<i2@x>"), b"3": mime(message_id="<i3@x>")},
        fail_after=2,
    )
    with pytest.raises(ConnectionResetError):
        imap_poll(connect=lambda: server)
    assert server.seen == {b"1", b"2"} and Complaint.objects.count() == 2
    server.fail_after = None
    counts = imap_poll(connect=lambda: server)
    assert counts == {"read": 1, "stored": 1, "complaints": 1} and Complaint.objects.count() == 3
    # the same mailbox fetched again (a message never flagged) creates nothing
    server.seen.discard(b"2")
    imap_poll(connect=lambda: server)
    assert Complaint.objects.count() == 3


def test_message_is_marked_only_after_it_is_stored(demo, settings, monkeypatch):
    settings.OCC_IMAP = {**settings.OCC_IMAP, "HOST": "imap.example", "DONE_FOLDER": ""}
    server = FakeImap({b"1": mime(message_id="<s1@x>")})
    import channels_intake.email.sources as sources

    def broken(*a, **k):
        raise OSError("disk full")

    monkeypatch.setattr(sources, "email_ingest_one", broken)
    with pytest.raises(OSError):
        imap_poll(connect=lambda: server)
    assert server.seen == set()


def test_gateway_endpoint_requires_a_fresh_signature(demo, settings):
    settings.OCC_MAIL_GATEWAY_SECRET = "gateway-secret"
    raw = mime(message_id="<gw@x>")
    client = APIClient()
    url = "/api/v1/intake/email/"
    assert client.post(url, raw, content_type="message/rfc822").status_code == 401
    bad = client.post(
        url,
        raw,
        content_type="message/rfc822",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in sign("wrong", raw).items()},
    )
    assert bad.status_code == 401 and bad.json()["error"]["code"] == "bad_signature"
    stale = sign("gateway-secret", raw, timestamp=1_000_000)
    r = client.post(
        url,
        raw,
        content_type="message/rfc822",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in stale.items()},
    )
    assert r.status_code == 401 and r.json()["error"]["code"] == "stale_request"
    good = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in sign("gateway-secret", raw).items()}
    r = client.post(url, raw, content_type="message/rfc822", **good)
    assert r.status_code == 200 and r.json()["state"] == "processed" and r.json()["complaint"]
    # the same signed request again is a replay (issue 13: the mail gateway has the replay guard)
    replay = client.post(url, raw, content_type="message/rfc822", **good)
    assert replay.status_code == 401 and replay.json()["error"]["code"] == "replayed_request"
    # the gateway resending the message signs it afresh: stored once, the same complaint
    fresh = sign("gateway-secret", raw, timestamp=int(time.time()) + 1)
    again = client.post(
        url,
        raw,
        content_type="message/rfc822",
        **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in fresh.items()},
    )
    assert again.json()["complaint"] == r.json()["complaint"] and again.json()["duplicate"]
    assert Complaint.objects.count() == 1


def test_email_complaint_through_the_one_intake_path(ingest):
    """The same minimum-data rules apply: an invalid sender address is refused, not stored."""
    item = email_ingest(mime(sender="buyer@nodot"), source="t", mailbox="m")
    assert item.state == "quarantined" and "refused" in item.reason and Complaint.objects.count() == 0

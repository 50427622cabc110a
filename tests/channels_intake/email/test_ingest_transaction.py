"""One message, one transaction (issue 14): the raw store, the complaint and the item's state
commit together; a failure keeps the message quarantined, never half-filed and never dropped."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from channels_intake.email import processing
from channels_intake.email.models import ReplyToken
from channels_intake.email.parsing import message_id_of, parse_message
from channels_intake.email.processing import email_ingest, email_ingest_one
from channels_intake.models import InboundItem
from complaints.models import Attachment, Complaint, TimelineEvent
from occ.outbox.models import OutboxMessage
from privacy.models import TrafficRecord

from .conftest import THAI, app_part, image_part, mime, raw_8bit

pytestmark = pytest.mark.django_db


def test_a_processing_error_rolls_the_complaint_back_and_keeps_the_message(ingest, monkeypatch):
    """clause: OCC-2 (a failure after the complaint's rows were written leaves no complaint, no
    reply token and no outbox row, and the raw message kept in quarantine; reprocessed after a fix)"""
    calls = {"n": 0}
    real = processing.seal_secret

    def broken(value):
        calls["n"] += 1
        raise RuntimeError("sealing key unavailable")

    monkeypatch.setattr(processing, "seal_secret", broken)
    raw = mime(message_id="<rollback@example.com>")
    item = ingest(raw)
    assert calls["n"] == 1  # it failed after complaint_register had returned
    assert item.state == "quarantined" and "RuntimeError" in item.reason and item.attempts == 1
    assert not Complaint.objects.exists() and not ReplyToken.objects.exists()
    assert not OutboxMessage.objects.exists() and not TrafficRecord.objects.exists()
    assert InboundItem.objects.count() == 1
    assert default_storage.open(item.raw.name).read() == raw
    assert item.metadata["mailbox"] == "test" and item.metadata["from_domain"] == "example.com"
    # the same message again is the kept item: nothing new, not retried without reprocess
    again = ingest(raw)  # read back by the claim statement (its columns converted as the ORM does)
    assert again.pk == item.pk and not Complaint.objects.exists()
    assert (
        again.metadata == item.metadata and again.state == "quarantined" and again.raw.name == item.raw.name
    )
    monkeypatch.setattr(processing, "seal_secret", real)
    call_command("reprocess_inbound", str(item.pk), stdout=io.StringIO())
    item.refresh_from_db()
    assert item.state == "processed" and Complaint.objects.count() == 1
    assert ReplyToken.objects.filter(complaint=item.complaint).exists()


def test_a_failed_raw_write_keeps_nothing_and_raises_for_the_source_to_deliver_again(ingest, monkeypatch):
    """clause: OCC-2 (the file cannot be written: no item, no complaint; the error reaches the
    caller, so IMAP leaves the message unflagged and the gateway gets no answer)"""
    from occ import blobstore

    def full(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr("channels_intake.services.blob_put", full)
    raw = mime(message_id="<diskfull@example.com>")
    with pytest.raises(OSError):
        ingest(raw)
    assert not InboundItem.objects.exists() and not Complaint.objects.exists()
    monkeypatch.setattr("channels_intake.services.blob_put", blobstore.blob_put)
    item = ingest(raw)
    assert item.state == "processed" and Complaint.objects.count() == 1
    assert default_storage.open(item.raw.name).read() == raw


def test_a_crash_mid_processing_keeps_nothing_half_done_and_the_next_run_files_it_once(ingest, monkeypatch):
    """clause: OCC-2 (the process dies inside the message's transaction: nothing of it commits,
    the source still holds it, and the next run files it exactly once)"""

    def killed(*args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(processing, "seal_secret", killed)
    raw = mime(message_id="<crash@example.com>")
    with pytest.raises(SystemExit):
        ingest(raw)
    assert not InboundItem.objects.exists() and not Complaint.objects.exists()
    monkeypatch.undo()
    ingest(raw)
    ingest(raw)
    assert Complaint.objects.count() == 1 and InboundItem.objects.get().state == "processed"


def test_attachments_and_refusals_are_written_with_the_complaint(ingest, settings):
    """The accepted files go through complaint_register (one intake path); refusals and the
    reference note are timeline entries of the same statement."""
    settings.OCC = {**settings.OCC, "ATTACHMENT_MAX_BYTES": 2000}
    raw = mime(
        subject="Re: OCC-2026-000001",
        attachments=[image_part("ok.png"), app_part("photo.jpg", b"MZ\x90\x00" + b"\x00" * 300)],
    )
    item = ingest(raw)
    c = item.complaint
    assert list(Attachment.objects.filter(complaint=c).values_list("original_name", flat=True)) == ["ok.png"]
    kinds = list(TimelineEvent.objects.filter(complaint=c).order_by("id").values_list("kind", flat=True))
    assert kinds == ["created", "internal_note", "evidence_rejected"]
    assert TrafficRecord.objects.get(channel="email").complaint_reference == c.reference
    assert ReplyToken.objects.filter(complaint=c).count() == 1
    assert OutboxMessage.objects.filter(task="channels_intake.email.tasks.email_acknowledge").count() == 1


def test_the_dedup_id_of_the_parse_is_the_one_message_id_of_reads():
    """The parse gives the dedup key's Message-ID exactly as ``message_id_of`` does (items kept
    before are still found): odd ids, encoded words, raw 8-bit, none, folded."""
    samples = [
        mime(message_id="<plain@example.com>"),
        mime(message_id=None),
        mime(message_id="  <spaced@example.com>  "),
        mime(message_id="<=?utf-8?b?4Lij4LmJ4Lit4LiH?=@example.com>"),
        mime(message_id="<" + "p" * 400 + "@example.com>"),
        raw_8bit(THAI.encode("cp874"), charset_label=None, message_id="<8bit\xe0@example.com>"),
        b"Message-ID: <folded\r\n  @example.com>\r\nFrom: a@example.com\r\n\r\nbody",
        b"Message-ID: <no-body@example.com>\r\nFrom: a@example.com",
        b"From: a@example.com\rMessage-ID: <bare-cr@example.com>\r\rbody",
    ]
    for raw in samples:
        assert parse_message(raw).dedup_id == message_id_of(raw), raw[:80]


def test_the_e_mail_steps_take_two_statements_beside_the_intake(ingest):
    """issue 14: the raw store and claim are one statement, the item's outcome one more; the
    traffic record and the reply token are written inside complaint_register's own statement."""
    if connection.vendor != "postgresql":
        pytest.skip("the statement count is PostgreSQL's (rows_together writes one statement there)")
    ingest(mime(message_id="<warm@example.com>"))  # texts built and prepared
    with CaptureQueriesContext(connection) as ctx:
        item = ingest(mime(body="อีกเรื่อง", message_id="<count@example.com>"))
    assert item.state == "processed"
    # (the test's own transaction turns the message's into a savepoint: savepoints not counted)
    sql = [q["sql"] for q in ctx.captured_queries if not q["sql"].startswith(("SAVEPOINT", "RELEASE"))]
    inbound = [s for s in sql if InboundItem._meta.db_table in s]
    assert len(inbound) == 2, inbound  # the claim (insert or find) and the outcome
    for model in (TrafficRecord, ReplyToken):
        assert not any(s.startswith(f'INSERT INTO "{model._meta.db_table}"') for s in sql)
    # the claim, complaint_register's three (ids, number, its rows), the outcome with the outbox row
    assert len(sql) <= 5, sql
    assert not any(s.startswith(f'INSERT INTO "{OutboxMessage._meta.db_table}"') for s in sql)
    assert OutboxMessage.objects.filter(args__0=item.complaint_id).count() == 1


@pytest.mark.django_db(transaction=True)
def test_one_message_delivered_by_several_ingesters_at_once_is_one_complaint(demo):
    """clause: OCC-2 (several ingest processes at once: the first claims the message's row, the
    others wait for it and find it kept)"""
    import threading

    if connection.vendor != "postgresql":
        pytest.skip("true concurrency needs PostgreSQL; SQLite serialises writers")
    raw = mime(message_id="<race@example.com>")
    barrier = threading.Barrier(4)
    results, errors = [], []

    def worker():
        try:
            barrier.wait()
            results.append(email_ingest_one(raw, source="t", mailbox="race"))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert sum(stored for _, stored in results) == 1 and len({item.pk for item, _ in results}) == 1
    assert Complaint.objects.count() == 1 and InboundItem.objects.get().state == "processed"


def test_a_message_left_received_by_an_older_run_is_processed_once(ingest):
    """An item stored but not processed (a run that only stored it) is processed when it comes again."""
    from channels_intake.services import inbound_store

    raw = mime(message_id="<left@example.com>")
    inbound_store(
        channel="email",
        kind="email",
        source="old",
        fileobj=io.BytesIO(raw),
        dedup_key=f"test:{message_id_of(raw)}",
        metadata={"mailbox": "test"},
    )
    item, stored = email_ingest_one(raw, source="test", mailbox="test")
    assert not stored and item.state == "processed" and Complaint.objects.count() == 1
    assert email_ingest(raw, source="test", mailbox="test").pk == item.pk and Complaint.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_threads_of_one_run_file_each_message_once_and_a_second_pass_nothing(demo, tmp_path):
    """clause: OCC-2 (ingest_paths with several threads: every message kept, the counts add up,
    duplicates within the run are one item, the second pass stores and files nothing)"""
    import mailbox

    from channels_intake.email.sources import ingest_paths

    if connection.vendor != "postgresql":
        pytest.skip("threads are used on PostgreSQL only")
    box = mailbox.Maildir(str(tmp_path / "Maildir"))
    for i in range(24):
        box.add(mime(body=f"เรื่องที่ {i}", message_id=f"<t{i}@example.com>"))
    box.add(mime(body="เรื่องที่ 3", message_id="<t3@example.com>"))  # the same message again
    box.add(mime(headers={"Auto-Submitted": "auto-replied"}, message_id="<auto@example.com>"))
    box.add(b"Subject: no sender\r\n\r\nhello")
    box.flush()
    counts = ingest_paths([str(tmp_path / "Maildir")], mailbox_name="threads", workers=3)
    assert counts["read"] == 27 and counts["stored"] == 26 and counts["duplicates"] == 1
    assert counts["complaints"] == 24 and counts["ignored"] == 1 and counts["quarantined"] == 1
    assert Complaint.objects.count() == 24 and InboundItem.objects.count() == 26
    assert not InboundItem.objects.filter(state="received").exists()
    again = ingest_paths([str(tmp_path / "Maildir")], mailbox_name="threads", workers=3)
    assert again["read"] == 27 and again["duplicates"] == 27 and Complaint.objects.count() == 24


@pytest.mark.django_db(transaction=True)
def test_threads_stop_at_the_first_storage_failure_and_the_next_run_takes_the_rest(
    demo, tmp_path, monkeypatch
):
    """clause: OCC-2 (storage fails midway in a threaded run: the error is raised, nothing
    unstored is marked done, and the next run stores every message once)"""
    import mailbox

    from channels_intake.email.sources import ingest_paths
    from occ import blobstore

    if connection.vendor != "postgresql":
        pytest.skip("threads are used on PostgreSQL only")
    box = mailbox.Maildir(str(tmp_path / "Maildir"))
    for i in range(20):
        box.add(mime(body=f"เรื่องที่ {i}", message_id=f"<f{i}@example.com>"))
    box.flush()
    writes = {"n": 0}

    def flaky(*args, **kwargs):
        writes["n"] += 1
        if writes["n"] > 5:
            raise OSError("disk full")
        return blobstore.blob_put(*args, **kwargs)

    monkeypatch.setattr("channels_intake.services.blob_put", flaky)
    with pytest.raises(OSError):
        ingest_paths([str(tmp_path / "Maildir")], mailbox_name="flaky", workers=3)
    assert InboundItem.objects.count() == Complaint.objects.count() == 5
    monkeypatch.setattr("channels_intake.services.blob_put", blobstore.blob_put)
    counts = ingest_paths([str(tmp_path / "Maildir")], mailbox_name="flaky", workers=3)
    assert counts["stored"] == 15 and counts["duplicates"] == 5 and Complaint.objects.count() == 20


def test_complaint_register_takes_no_savepoint_of_its_own_inside_the_message(ingest, monkeypatch):
    """issue 14: the message's transaction is the intake's (complaint_register(savepoint=False));
    a message with files keeps the intake's savepoint (their discard on failure needs it)."""
    from complaints.services import intake

    # the first step inside complaint_register's atomic block: was a savepoint made for it?
    reserve, made = intake._ids_reserve, []
    monkeypatch.setattr(
        intake, "_ids_reserve", lambda: made.append(connection.savepoint_ids[-1]) or reserve()
    )
    assert ingest(mime(body="ไม่มีไฟล์", message_id="<nosp@example.com>")).state == "processed"
    item = ingest(mime(body="มีไฟล์", message_id="<sp@example.com>", attachments=[image_part()]))
    assert item.state == "processed" and Attachment.objects.filter(complaint=item.complaint).count() == 1
    assert made[0] is None and made[1] is not None, made
    # the web's intake (no savepoint argument) keeps its savepoint when called inside a transaction
    intake.complaint_register(channel="web", category=None, description="d", identity={}, anonymous=True)
    assert made[2] is not None


@pytest.mark.parametrize("failure", ["error", "database"])
def test_a_failure_inside_the_intake_quarantines_with_its_own_reason(ingest, monkeypatch, failure):
    """clause: OCC-2 (without the intake's savepoint a failure inside complaint_register still
    rolls the message's work back whole and keeps the message quarantined, the reason naming the
    failure itself, not a broken transaction)"""
    from complaints.services import intake

    def broken(*args, **kwargs):
        if failure == "database":  # the database refuses a row: the transaction is aborted
            with connection.cursor() as cursor:
                cursor.execute(f"INSERT INTO {TimelineEvent._meta.db_table} (kind) VALUES (NULL)")
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(intake, "audit_created", broken)
    raw = mime(message_id=f"<inside-{failure}@example.com>")
    item = ingest(raw)
    assert item.state == "quarantined" and item.attempts == 1
    expected = "IntegrityError" if failure == "database" else "RuntimeError: audit store unavailable"
    assert expected in item.reason and "TransactionManagementError" not in item.reason, item.reason
    assert not Complaint.objects.exists() and not ReplyToken.objects.exists()
    assert not OutboxMessage.objects.exists() and not TrafficRecord.objects.exists()
    assert default_storage.open(item.raw.name).read() == raw
    monkeypatch.undo()
    call_command("reprocess_inbound", str(item.pk), stdout=io.StringIO())
    item.refresh_from_db()
    assert item.state == "processed" and Complaint.objects.count() == 1


def test_a_failure_after_an_attachment_was_written_leaves_no_file(ingest, monkeypatch, settings):
    """clause: OCC-8 (a message whose intake fails after its evidence was written: no orphan file;
    only the kept raw message stays)"""
    from complaints.services import intake

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(intake, "audit_created", broken)
    item = ingest(mime(message_id="<att-fails@example.com>", attachments=[image_part("slip.png")]))
    assert item.state == "quarantined" and "RuntimeError" in item.reason
    files = [p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file()]
    assert [p.relative_to(settings.MEDIA_ROOT).parts[0] for p in files] == ["inbound"], files


def test_the_senders_refused_details_quarantine_the_message(ingest):
    """clause: OCC-2 (complaint_register's ValidationError: the message is kept quarantined with
    the reason, nothing filed)"""
    item = ingest(mime(sender="bad..dots@example.com", message_id="<refused@example.com>"))
    assert item.state == "quarantined" and "the sender's details were refused" in item.reason
    assert not Complaint.objects.exists() and not TrafficRecord.objects.exists()
    assert InboundItem.objects.get().pk == item.pk


@pytest.mark.django_db(transaction=True)
def test_complaint_register_without_its_savepoint_outside_a_transaction_is_still_one(demo, monkeypatch):
    """savepoint=False outside any transaction: complaint_register's own transaction, as before."""
    from complaints.services import intake

    def broken(*args, **kwargs):
        raise RuntimeError("audit store unavailable")

    monkeypatch.setattr(intake, "audit_created", broken)
    with pytest.raises(RuntimeError):
        intake.complaint_register(
            channel="email",
            category=None,
            description="d",
            identity={"email": "a@example.com"},
            savepoint=False,
        )
    assert not Complaint.objects.exists() and not TrafficRecord.objects.exists()

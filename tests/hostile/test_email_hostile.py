"""Hostile e-mail never stops the channel: raw bytes kept first, dedup by a hash of the whole
Message-ID, one message per transaction, a failure quarantines that message and the run goes on
(issue 17). Runs on SQLite and on PostgreSQL (which refuses NUL in text).

clause: OCC-2 (the e-mail channel), OCC-8 (no loss)"""

import io

import pytest
from django.core.management import call_command

from channels_intake import registry
from channels_intake.email.processing import email_ingest_one
from channels_intake.email.sources import ingest_paths
from channels_intake.models import InboundItem
from complaints.models import Complaint
from complaints.services.intake import complaint_register
from tests.channels_intake.email.conftest import mime, raw_8bit

pytestmark = pytest.mark.django_db


def _raw(body=b"scam shop", *, sender=b"buyer@example.com", name=b"Somchai", message_id=b"<h1@example.com>"):
    return b"\r\n".join(
        [
            b"From: " + name + b" <" + sender + b">",
            b"To: 1212@mdes.go.th",
            b"Subject: complaint",
            b"Message-ID: " + message_id,
            b"Content-Type: text/plain; charset=utf-8",
            b"",
            body,
        ]
    )


@pytest.mark.parametrize(
    "raw",
    [
        _raw(body=b"money sent\x00 to the shop"),
        _raw(name=b"Som\x00chai"),
        _raw(message_id=b"<nul\x00id@example.com>"),
        _raw(body=b"\xed\xa0\x80 lone surrogate bytes \x01\x02\x7f"),
        _raw(body=b"x" * 200_000),  # one over-long line
    ],
    ids=["nul-body", "nul-from-name", "nul-message-id", "surrogates-controls", "long-line"],
)
def test_text_pg_refuses_is_made_safe_and_the_message_becomes_a_complaint(demo, raw):
    """clause: OCC-2"""
    item, stored = email_ingest_one(raw, source="t", mailbox="m")
    assert stored and item.state == "processed", item.reason
    c = Complaint.objects.get(pk=item.complaint_id)
    assert "\x00" not in c.description and "\x00" not in c.complainant.name
    assert all(len(line) <= 2000 for line in c.description.splitlines())


def test_message_ids_longer_than_300_characters_stay_distinct(demo):
    """Two messages whose Message-IDs share a 400-character prefix are two items and two complaints."""
    prefix = "a" * 400
    one, s1 = email_ingest_one(mime(message_id=f"<{prefix}1@x>", body="first"), source="t", mailbox="m")
    two, s2 = email_ingest_one(mime(message_id=f"<{prefix}2@x>", body="second"), source="t", mailbox="m")
    assert s1 and s2 and one.pk != two.pk and Complaint.objects.count() == 2
    assert one.external_id == f"m:{prefix}1@x"  # kept whole
    assert one.dedup_key.startswith("sha256:") and len(one.dedup_key) == 71
    again, s3 = email_ingest_one(mime(message_id=f"<{prefix}2@x>", body="second"), source="t", mailbox="m")
    assert not s3 and again.pk == two.pk and Complaint.objects.count() == 2


def test_a_processor_error_quarantines_that_message_and_the_run_goes_on(demo, tmp_path, monkeypatch):
    real = registry.PROCESSORS["email"]

    def flaky(item):
        if "run1" in item.external_id:
            complaint_register(
                channel="email", category=None, description="half", identity={"email": "a@b.example"}
            )
            raise ValueError("a bug in a processor")  # the complaint written above is rolled back
        return real(item)

    monkeypatch.setitem(registry.PROCESSORS, "email", flaky)
    tmp_path = tmp_path / "mail"
    tmp_path.mkdir()
    for i, body in enumerate(["one", "poison", "three"]):
        (tmp_path / f"{i}.eml").write_bytes(mime(message_id=f"<run{i}@x>", body=body))
    counts = ingest_paths([str(tmp_path)], mailbox_name="m")
    assert counts == {"read": 3, "stored": 3, "complaints": 2, "quarantined": 1}
    bad = InboundItem.objects.get(state="quarantined")
    assert "ValueError" in bad.reason and bad.complaint_id is None
    assert bad.raw.open("rb").read() == (tmp_path / "1.eml").read_bytes()  # raw kept
    again = ingest_paths([str(tmp_path)], mailbox_name="m")
    assert again == {"read": 3, "duplicates": 3} and Complaint.objects.count() == 2


def test_ingest_email_prints_counts_that_add_up(demo, tmp_path):
    tmp_path = tmp_path / "mail"
    tmp_path.mkdir()
    (tmp_path / "a.eml").write_bytes(mime(message_id="<c1@x>"))
    (tmp_path / "b.eml").write_bytes(mime(message_id="<c1@x>"))  # same Message-ID: a duplicate
    (tmp_path / "c.eml").write_bytes(raw_8bit(b"\x00\x00", charset_label=None, sender="", message_id=None))
    (tmp_path / "d.eml").write_bytes(mime(message_id="<c2@x>", headers={"Auto-Submitted": "auto-replied"}))
    out = io.StringIO()
    call_command("ingest_email", str(tmp_path), "--mailbox", "m", stdout=out)
    text = out.getvalue()
    assert "read: 4, stored: 3, duplicates: 1, complaints: 1, replies: 0, quarantined: 1, ignored: 1" in text

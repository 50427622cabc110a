"""Raw machine input is kept before parsing; processed once; quarantined with a reason; reprocessable."""

import io

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command

from channels_intake import registry
from channels_intake.models import InboundItem
from channels_intake.services import (
    Ignore,
    Processed,
    Quarantine,
    inbound_process,
    inbound_reprocess,
    inbound_store,
)
from complaints.models import Category, Complaint
from complaints.services.intake import complaint_register

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_kind(demo, monkeypatch):
    calls = {"n": 0, "mode": "ok"}

    def proc(item):
        calls["n"] += 1
        body = item.raw.open("rb").read().decode()
        if calls["mode"] == "crash":
            # the complaint is written, then the process dies: the transaction must undo it
            complaint_register(
                channel="email", category=None, description=body, identity={"email": "a@example.com"}
            )
            raise SystemExit("worker killed")  # not an error of the item: the process goes away
        if calls["mode"] == "quarantine":
            raise Quarantine("cannot parse: missing From header")
        if calls["mode"] == "ignore":
            raise Ignore("auto-reply")
        c = complaint_register(
            channel="email",
            category=Category.objects.get(code="other"),
            description=body,
            identity={"email": "a@example.com"},
        ).complaint
        return Processed(complaint=c)

    monkeypatch.setitem(registry.PROCESSORS, "test", proc)
    return calls


def _store(content=b"hello", key=None):
    return inbound_store(
        channel="email", kind="test", source="unit", fileobj=io.BytesIO(content), dedup_key=key
    )


def test_raw_input_is_stored_with_its_hash_before_processing(test_kind):
    import hashlib

    item, created = _store(b"raw message")
    assert created and item.state == "received" and item.sha256 == hashlib.sha256(b"raw message").hexdigest()
    assert default_storage.open(item.raw.name).read() == b"raw message"


def test_same_input_twice_is_one_item_and_one_complaint(test_kind):
    a, _ = _store(b"x", key="<id@example>")
    b, created = _store(b"x", key="<id@example>")
    assert a.pk == b.pk and not created
    inbound_process(item_id=a.pk)
    inbound_process(item_id=a.pk)
    assert Complaint.objects.count() == 1 and test_kind["n"] == 1


def test_crash_mid_processing_loses_nothing_and_duplicates_nothing(test_kind):
    item, _ = _store(b"crash me")
    test_kind["mode"] = "crash"
    with pytest.raises(SystemExit):
        inbound_process(item_id=item.pk)
    item.refresh_from_db()
    assert item.state == "received" and Complaint.objects.count() == 0
    test_kind["mode"] = "ok"
    inbound_process(item_id=item.pk)
    assert Complaint.objects.count() == 1
    assert InboundItem.objects.get(pk=item.pk).state == "processed"


def test_quarantine_keeps_reason_and_reprocess_after_fix(test_kind):
    item, _ = _store(b"bad")
    test_kind["mode"] = "quarantine"
    item = inbound_process(item_id=item.pk)
    assert item.state == "quarantined" and "missing From" in item.reason
    assert inbound_process(item_id=item.pk).state == "quarantined"  # not retried without reprocess
    test_kind["mode"] = "ok"
    call_command("reprocess_inbound", "--kind", "test", stdout=io.StringIO())
    item.refresh_from_db()
    assert item.state == "processed" and item.complaint is not None


def test_ignored_items_are_kept_and_marked(test_kind):
    item, _ = _store(b"auto")
    test_kind["mode"] = "ignore"
    item = inbound_process(item_id=item.pk)
    assert item.state == "ignored" and item.reason == "auto-reply" and Complaint.objects.count() == 0
    assert inbound_reprocess(item_id=item.pk).state == "ignored"


def test_unknown_kind_is_quarantined_not_dropped(demo):
    item, _ = inbound_store(channel="fax", kind="nobody", source="unit", fileobj=io.BytesIO(b"?"))
    item = inbound_process(item_id=item.pk)
    assert item.state == "quarantined" and "no processor" in item.reason

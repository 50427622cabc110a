"""occ.rows writes exactly the row save() writes, for every model of the intake and tracking
paths (no seed clause: the speed issue's rule that every guarantee is kept, here the stored
values). Each instance is built twice from the same values; one copy goes through save(), the
other through rows_insert, alone and together with others in one statement (rows_together); the
stored rows are then read back and compared column by column."""

from __future__ import annotations

import itertools
import warnings
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone

from complaints.models import Category, Complainant, Complaint, TimelineEvent
from occ.rows import rows_insert, rows_together
from privacy.models import TrafficRecord

AT = datetime(2026, 11, 30, 22, 15, 7, 123456, tzinfo=ZoneInfo("Asia/Bangkok"))


def _columns(obj) -> dict:
    model = type(obj)
    row = model._base_manager.filter(pk=obj.pk).values().get()
    row.pop(model._meta.pk.attname)
    return row


def _pairs(n: int, category: Category) -> list:
    """(model, factory) pairs; the factory builds the same unsaved instance each time."""
    complainant = Complainant.objects.create(name="ผู้ทดสอบ", phone="+66812345678")
    complaint = Complaint.objects.create(
        reference=f"ROWS-{n}-0",
        tracking_code_hash="0" * 64,
        channel="web",
        category=category,
        complainant=complainant,
        description="x",
        received_at=AT,
    )
    content_type = ContentType.objects.get_for_model(Complaint)
    return [
        (
            Complainant,
            lambda: Complainant(is_anonymous=False, name="ชื่อ", phone="+66812345678", email="a@example.com"),
        ),
        (
            Complaint,
            lambda: Complaint(
                reference=f"ROWS-{n}-{next(_numbers)}",
                tracking_code_hash="a" * 64,
                channel="web",
                category=category,
                complainant=Complainant.objects.create(),
                description="ร้านค้าไม่ส่งของ",
                incident_url="https://shop.example/x",
                incident_at=AT - timedelta(days=2),
                amount_lost=Decimal("990.50"),
                incident_latitude=Decimal("13.756331"),
                incident_longitude=Decimal("100.501765"),
                received_at=AT,
                sla_due_at=AT + timedelta(days=15),
                acknowledgement_due=True,
            ),
        ),
        (
            TimelineEvent,
            lambda: TimelineEvent(complaint=complaint, kind="created", is_public=True, to_status="received"),
        ),
        (
            TrafficRecord,
            lambda: TrafficRecord(
                at=AT,
                ip_address="203.0.113.7",
                user_agent="ua",
                method="POST",
                path="/api/v1/complaints/",
                status_code=201,
                channel="web",
                complaint_reference=complaint.reference,
            ),
        ),
        (
            LogEntry,
            lambda: LogEntry(
                content_type=content_type,
                object_pk=str(complaint.pk),
                object_id=complaint.pk,
                object_repr="x",
                action=LogEntry.Action.CREATE,
                changes={"name": ["", "[masked]"]},
                timestamp=AT,
                cid="c1",
            ),
        ),
    ]


_numbers = itertools.count(1)


@pytest.mark.django_db
def test_rows_insert_stores_what_save_stores(demo):
    category = Category.objects.get(code="online_shopping")
    for model, build in _pairs(1, category):
        saved = build()
        saved.save()
        alone = build()
        rows_insert([alone])
        reference, got = _columns(saved), _columns(alone)
        if model is Complaint:  # unique per row
            assert got.pop("reference") != reference.pop("reference")
            got.pop("complainant_id"), reference.pop("complainant_id")
        for name in ("created_at", "updated_at"):
            if name in reference:  # auto_now(_add): both stamped now, aware
                assert abs(got.pop(name) - reference.pop(name)) < timedelta(seconds=30)
        assert got == reference, model.__name__
        assert alone.pk is not None and not alone._state.adding


@pytest.mark.django_db
def test_rows_written_together_in_one_statement_are_the_rows_save_writes(demo):
    category = Category.objects.get(code="online_shopping")
    pairs = _pairs(2, category)
    built = [(model, build(), build()) for model, build in pairs]
    for _, saved, _ in built:
        saved.save()
    with transaction.atomic(), rows_together():
        for _, _, later in built:
            rows_insert([later], later=True)
    for model, saved, later in built:
        reference, got = _columns(saved), _columns(later)
        if model is Complaint:
            got.pop("reference"), reference.pop("reference")
            got.pop("complainant_id"), reference.pop("complainant_id")
        for name in ("created_at", "updated_at"):
            if name in reference:
                got.pop(name), reference.pop(name)
        assert got == reference, model.__name__


@pytest.mark.django_db
def test_a_naive_datetime_is_stored_as_save_stores_it_with_its_warning(demo):
    naive = datetime(2026, 11, 30, 22, 15, 7)
    saved = TrafficRecord(at=naive, method="GET", path="/")
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        saved.save()
    fast = TrafficRecord(at=naive, method="GET", path="/")
    with pytest.warns(RuntimeWarning, match="naive datetime"):
        rows_insert([fast])
    assert _columns(fast) == _columns(saved)
    assert _columns(fast)["at"] == timezone.make_aware(naive)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rows_insert([TrafficRecord(at=AT, method="GET", path="/")])  # an aware one: no warning


@pytest.mark.django_db
def test_statements_later_run_in_the_blocks_one_statement_and_may_read_a_named_part(demo):
    """On PostgreSQL the parts join the block's one statement (a later part reads the rows an
    earlier named part returned); a named part needs that (rows_combined), elsewhere it is refused
    and an unnamed one runs at the block's end; outside a block a statement runs now."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from occ.rows import rows_combined, statement_later

    table = TrafficRecord._meta.db_table
    columns = "(at, user_agent, host, method, path, referrer, channel, complaint_reference)"
    first = f"INSERT INTO {table} {columns} VALUES (%s, '', '', 'GET', %s, '', '', '') RETURNING id, path"  # noqa: S608
    second = (
        f"INSERT INTO {table} {columns} SELECT %s, '', '', 'GET', f.path || '-copy', '', '', '' FROM found f"  # noqa: S608
    )
    with CaptureQueriesContext(connection) as ctx, transaction.atomic(), rows_together():
        combined = rows_combined()
        if combined:
            statement_later(first, [AT, "/later/"], name="found")
            statement_later(second, [AT])
        else:
            with pytest.raises(ValueError, match="needs PostgreSQL"):
                statement_later(first, [AT, "/refused/"], name="found")
            statement_later(first.replace(" RETURNING id, path", ""), [AT, "/later/"])
        rows_insert([TrafficRecord(at=AT, method="GET", path="/row/")], later=True)
        assert "/later/" not in set(TrafficRecord.objects.values_list("path", flat=True))  # not yet
    paths = set(TrafficRecord.objects.values_list("path", flat=True))
    assert {"/later/", "/row/"} <= paths and "/refused/" not in paths
    if connection.vendor == "postgresql":
        assert combined and "/later/-copy" in paths
        written = [
            q["sql"] for q in ctx.captured_queries if table in q["sql"] and not q["sql"].startswith("SELECT")
        ]
        assert len(written) == 1 and written[0].startswith("WITH r0 AS (INSERT")
    else:
        assert not combined
    statement_later(first.replace(" RETURNING id, path", ""), [AT, "/outside/"])  # no block: now
    assert TrafficRecord.objects.filter(path="/outside/").exists()
    with pytest.raises(ValueError, match="needs rows_combined"):
        statement_later(first, [AT, "/named-outside/"], name="found")


@pytest.mark.django_db
def test_statements_later_still_run_together_when_the_rows_cannot_join_them(demo, monkeypatch):
    """A block whose rows go through the ORM (not one statement) runs the parts as one statement
    of their own after the rows, so a named part is still there for the part that reads it."""
    from django.db import connection

    from occ import rows
    from occ.rows import statement_later

    if connection.vendor != "postgresql":
        pytest.skip("named parts need PostgreSQL")
    monkeypatch.setattr(rows, "_lean", lambda model, connection: False)
    table = TrafficRecord._meta.db_table
    columns = "(at, user_agent, host, method, path, referrer, channel, complaint_reference)"
    with transaction.atomic(), rows_together():
        statement_later(
            f"INSERT INTO {table} {columns} VALUES (%s, '', '', 'GET', '/a/', '', '', '') RETURNING path",  # noqa: S608
            [AT],
            name="a",
        )
        statement_later(
            f"INSERT INTO {table} {columns} SELECT %s, '', '', 'GET', a.path || 'b/', '', '', '' FROM a",  # noqa: S608
            [AT],
        )
        rows_insert([TrafficRecord(at=AT, method="GET", path="/orm/")], later=True)
    assert {"/a/", "/a/b/", "/orm/"} <= set(TrafficRecord.objects.values_list("path", flat=True))


COUNTER_SQL = (
    "INSERT INTO complaints_referencecounter (year, last_number) VALUES (%s, 1) "
    "ON CONFLICT (year) DO UPDATE SET last_number = complaints_referencecounter.last_number + 1 "
    "RETURNING 'N-' || last_number::text AS number"
)


@pytest.mark.django_db
def test_a_value_only_the_statement_knows_is_in_every_row_and_attribute_that_holds_it(demo):
    """value_later: the statement runs first in the block's one statement; its value replaces the
    stand-in given as a field's value, inside a text and inside a JSON value, in the database and
    in the instances' attributes afterwards; nothing else is sent. clause: OCC-2 (the one intake
    path's gap-free number is taken in that statement)"""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from complaints.models import ReferenceCounter
    from occ.rows import rows_combined, value_later

    if connection.vendor != "postgresql":
        with transaction.atomic(), rows_together():
            assert not rows_combined()
            with pytest.raises(ValueError, match="needs rows_combined"):
                value_later(COUNTER_SQL, [1999], name="n", column="number")
        return
    ReferenceCounter.objects.create(year=1999, last_number=41)
    record = TrafficRecord(at=AT, method="GET", path="/p/")
    entry = LogEntry(
        content_type=ContentType.objects.get_for_model(TrafficRecord),
        object_pk="1",
        object_repr="",
        action=LogEntry.Action.CREATE,
        changes={"reference": ["None", ""]},
    )
    with CaptureQueriesContext(connection) as ctx, transaction.atomic(), rows_together():
        number = value_later(COUNTER_SQL, [1999], name="n", column="number")
        record.complaint_reference = number
        record.path = f"/p/{number}/"
        entry.object_repr = number
        entry.changes = {"reference": ["None", number], "note": f"filed as {number}"}
        rows_insert([record], later=True)
        rows_insert([entry], signals=False, later=True)
    statements = [q["sql"] for q in ctx.captured_queries if "INSERT" in q["sql"]]
    assert len(statements) == 1 and statements[0].startswith(
        "WITH n AS (INSERT INTO complaints_referencecounter"
    )
    assert ReferenceCounter.objects.get(year=1999).last_number == 42
    stored = TrafficRecord.objects.get(pk=record.pk)
    assert (stored.complaint_reference, stored.path) == ("N-42", "/p/N-42/")
    stored_entry = LogEntry.objects.get(pk=entry.pk)
    assert stored_entry.object_repr == "N-42"
    assert stored_entry.changes == {"reference": ["None", "N-42"], "note": "filed as N-42"}
    assert (record.complaint_reference, record.path, entry.object_repr) == ("N-42", "/p/N-42/", "N-42")
    assert entry.changes == {"reference": ["None", "N-42"], "note": "filed as N-42"}
    assert type(record.complaint_reference) is str


@pytest.mark.django_db
def test_a_value_later_is_taken_first_when_the_rows_cannot_join_one_statement(demo, monkeypatch):
    """Rows that go through the ORM: the value's statement runs first, on its own, and the rows
    are written with its value."""
    from django.db import connection

    from complaints.models import ReferenceCounter
    from occ import rows
    from occ.rows import value_later

    if connection.vendor != "postgresql":
        pytest.skip("value_later needs PostgreSQL")
    ReferenceCounter.objects.create(year=1998, last_number=6)
    record = TrafficRecord(at=AT, method="GET", path="/q/")
    with transaction.atomic(), rows_together():
        number = value_later(COUNTER_SQL, [1998], name="n", column="number")
        monkeypatch.setattr(rows, "_lean", lambda model, connection: False)
        record.complaint_reference = number
        record.path = f"/q/{number}/"
        rows_insert([record], later=True)
        rows_insert([TrafficRecord(at=AT, method="GET", path="/other/")], later=True)
    stored = TrafficRecord.objects.get(pk=record.pk)
    assert (stored.complaint_reference, stored.path) == ("N-7", "/q/N-7/")
    assert ReferenceCounter.objects.get(year=1998).last_number == 7


@pytest.mark.django_db
def test_text_that_holds_the_salt_but_no_stand_in_is_stored_as_it_is(demo):
    """A caller's text that happens to hold the process's salt (it is in the statements' text, so
    it can be read from a statement log) is neither refused nor changed: an intake whose
    description holds it is filed, its text as sent."""
    from django.db import connection

    from occ import rows
    from occ.rows import value_later

    if connection.vendor != "postgresql":
        pytest.skip("value_later needs PostgreSQL")
    odd = f"see occ-later-{rows._SALT}-x and {rows._SALT}"
    record = TrafficRecord(at=AT, method="GET", path="/s/")
    other = TrafficRecord(at=AT, method="GET", path=odd[:500])
    with transaction.atomic(), rows_together():
        number = value_later(COUNTER_SQL, [1996], name="n", column="number")
        record.complaint_reference = number
        rows_insert([record], later=True)
        rows_insert([other], later=True)
    assert TrafficRecord.objects.get(pk=other.pk).path == odd
    assert TrafficRecord.objects.get(pk=record.pk).complaint_reference == "N-1"


@pytest.mark.django_db
def test_a_stand_in_written_outside_its_statement_is_refused_not_stored(demo):
    """A stand-in saved through the ORM before its block's statement would store the stand-in's
    text; it is refused instead, and nothing is stored."""
    from django.db import connection

    from occ.rows import value_later

    if connection.vendor != "postgresql":
        pytest.skip("value_later needs PostgreSQL")
    with pytest.raises(ValueError, match="outside its block"), transaction.atomic(), rows_together():
        number = value_later(COUNTER_SQL, [1997], name="n", column="number")
        TrafficRecord.objects.create(at=AT, method="GET", path="/r/", complaint_reference=number)
    assert not TrafficRecord.objects.filter(path="/r/").exists()


def _state_of(obj) -> dict:
    """The instance's attributes and state; a value of a callable default (a time stamp made a
    moment apart) by its type."""
    made = {f.attname for f in obj._meta.concrete_fields if f.has_default() and callable(f.default)}
    attributes = {k: type(v) if k in made else v for k, v in vars(obj).items() if k != "_state"}
    return {
        **attributes,
        "_adding": obj._state.adding,
        "_db": obj._state.db,
        "_cached": obj._state.fields_cache,
    }


@pytest.mark.django_db
def test_new_instances_are_what_the_constructor_makes(demo):
    """occ.rows.new for every hot-path model: the same attributes, defaults, related-object cache
    and state as Model(**values); the constructor itself where it cannot be followed."""
    from django.db.models.signals import post_init

    from channels_intake.email.models import ReplyToken
    from occ.rows import new
    from privacy.ops.models import ComplaintPolicy

    category = Category.objects.first()
    person = Complainant(id=5, name="n", phone="+66812345678")
    complaint = Complaint(id=9, complainant=person, category=category, reference="R")
    cases = [
        (Complainant, {"id": 5, "is_anonymous": False, "name": "n", "phone": "+66812345678", "email": ""}),
        (Complainant, {}),
        (
            Complaint,
            {"id": 9, "complainant": person, "category": category, "description": "d", "received_at": AT},
        ),
        (Complaint, {"complainant_id": 5, "category": None, "channel": "email"}),
        (TimelineEvent, {"complaint": complaint, "kind": "created", "is_public": True}),
        (TimelineEvent, {"complaint_id": 9, "kind": "note", "actor": None}),
        (TrafficRecord, {"at": AT, "method": "POST", "path": "/p/", "status_code": 201}),
        (ComplaintPolicy, {"complaint": complaint, "policy_id": 3}),
        (LogEntry, {"object_pk": "1", "object_repr": "x", "action": 0, "changes": {"a": ["b", "c"]}}),
        (ReplyToken, {"complaint": complaint, "token_hash": "h"}),
    ]
    for model, values in cases:
        expected, made = model(**values), new(model, **values)
        assert type(made) is model
        assert _state_of(made) == _state_of(expected), (model, values)
    # a callable default is called for each instance, as by the constructor
    first, second = new(LogEntry), new(LogEntry)
    assert isinstance(first.timestamp, datetime) and second.timestamp >= first.timestamp
    # not a field: the constructor itself (its error), and with a post_init receiver
    with pytest.raises(TypeError, match="unexpected keyword"):
        new(TrafficRecord, nonsense=1)
    seen = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance)

    post_init.connect(receiver, sender=TrafficRecord)
    try:
        made = new(TrafficRecord, at=AT, method="GET", path="/")
    finally:
        post_init.disconnect(receiver, sender=TrafficRecord)
    assert seen == [made]

"""References unique and gap-free per year; only defined transitions."""

import threading
from datetime import datetime

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from complaints.models import Complaint, Status
from complaints.services import intake, lifecycle


def _register(category, **kw):
    return intake.complaint_register(
        channel="web", category=category, description="d", identity={"email": "a@example.com"}, **kw
    )


@pytest.mark.django_db
def test_references_are_sequential_per_year_and_restart_each_year(category):
    from zoneinfo import ZoneInfo

    tz = ZoneInfo("Asia/Bangkok")
    a = _register(category, received_at=datetime(2026, 12, 31, 23, 0, tzinfo=tz)).complaint
    b = _register(category, received_at=datetime(2026, 12, 31, 23, 30, tzinfo=tz)).complaint
    c = _register(category, received_at=datetime(2027, 1, 1, 0, 5, tzinfo=tz)).complaint
    assert [a.reference, b.reference, c.reference] == [
        "OCC-2026-000001",
        "OCC-2026-000002",
        "OCC-2027-000001",
    ]


@pytest.mark.django_db
def test_a_failed_intake_leaves_no_gap(category):
    first = _register(category).complaint
    with pytest.raises(Exception):  # noqa: B017
        intake.complaint_register(
            channel="web", category=category, description="d", identity={"phone": "not a phone"}
        )
    second = _register(category).complaint
    n1, n2 = int(first.reference[-6:]), int(second.reference[-6:])
    assert n2 == n1 + 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_intake_gives_unique_gap_free_references(demo):
    from complaints.models import Category

    if connection.vendor != "postgresql":
        pytest.skip("true concurrency needs PostgreSQL; SQLite serialises writers")
    category = Category.objects.get(code="other")
    refs, errors = [], []

    def worker():
        try:
            for _ in range(5):
                refs.append(_register(category).complaint.reference)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    numbers = sorted(int(r[-6:]) for r in refs)
    assert numbers == list(range(1, 41))
    assert Complaint.objects.count() == 40


@pytest.mark.django_db
def test_the_yearly_counter_is_locked_only_for_the_complaints_own_insert(demo):
    """clause: OCC-2 (every channel files through one path; the gap-free counter every intake waits
    for is taken INSIDE the one statement that writes the complaint, its complainant, timeline
    entry, policy record and audit entries, so it is held for that statement and the commit
    only; the reference the statement formats is the one every row and the answer carry)"""
    from auditlog.models import LogEntry
    from django.test.utils import CaptureQueriesContext

    from complaints.models import Category, Complainant, ReferenceCounter, TimelineEvent
    from privacy.ops.demo import demo_privacy_load
    from privacy.ops.models import ComplaintPolicy

    if connection.vendor != "postgresql":
        pytest.skip("ids are reserved ahead only on PostgreSQL")
    demo_privacy_load()  # a published privacy policy, so the policy record is written too
    category = Category.objects.get(code="other")
    first = _register(category).complaint  # this connection's block of ids is taken
    with CaptureQueriesContext(connection) as ctx:
        complaint = _register(category).complaint
    sqls = [q["sql"] for q in ctx.captured_queries]
    counter = [i for i, q in enumerate(sqls) if ReferenceCounter._meta.db_table in q]
    assert len(counter) == 1, sqls
    after = [q for q in sqls[counter[0] + 1 :] if not q.startswith(("RELEASE SAVEPOINT", "COMMIT"))]
    assert after == [], after
    for table in (Complaint, Complainant, TimelineEvent, ComplaintPolicy, LogEntry):
        assert f'INSERT INTO "{table._meta.db_table}"' in sqls[counter[0]], table
    assert complaint.reference == f"{first.reference[:-6]}{int(first.reference[-6:]) + 1:06d}"
    stored = Complaint.objects.get(pk=complaint.pk)
    assert stored.reference == complaint.reference
    entry = LogEntry.objects.get_for_object(stored).get()
    assert entry.object_repr == complaint.reference
    assert entry.changes["reference"] == ["None", complaint.reference]
    assert TimelineEvent.objects.filter(complaint=complaint).count() == 1
    assert ComplaintPolicy.objects.filter(complaint=complaint).exists()


@given(st.sampled_from(Status.values), st.sampled_from(Status.values))
def test_can_transition_matches_the_table(a, b):
    assert lifecycle.can_transition(a, b) == (b in lifecycle.TRANSITIONS[a])


def test_every_status_has_a_way_on_and_closed_cases_can_reopen():
    assert set(lifecycle.TRANSITIONS) == set(Status.values)
    for terminal in (Status.CLOSED, Status.REJECTED, Status.DUPLICATE):
        assert lifecycle.can_transition(terminal, Status.REOPENED)
    assert not lifecycle.can_transition(Status.RECEIVED, Status.CLOSED)


@pytest.mark.django_db(transaction=True)
def test_concurrent_duplicates_with_one_idempotency_key_make_one_complaint(demo):
    """The same Idempotency-Key sent by several clients at once: one complaint, one answer."""
    from rest_framework.test import APIClient

    from tests.conftest import complaint_body

    if connection.vendor != "postgresql":
        pytest.skip("true concurrency needs PostgreSQL; SQLite serialises writers")
    answers, errors = [], []

    def client():
        try:
            r = APIClient().post(
                "/api/v1/complaints/",
                complaint_body(),
                format="json",
                HTTP_IDEMPOTENCY_KEY="same-key-concurrent",
            )
            answers.append((r.status_code, r.json().get("reference"), r.json().get("tracking_code")))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert Complaint.objects.count() == 1
    assert len(set(answers)) == 1 and answers[0][0] == 201


@pytest.mark.django_db
@pytest.mark.parametrize("number", [1, 2, 999_999, 1_000_000, 1_234_567])
def test_the_reference_formatted_in_sql_is_the_one_python_formats(number):
    """clause: OCC-2 (the reference the intake's one statement formats, at the year's first
    complaint and past six digits, is the one the other databases' path formats)"""
    from complaints.models import ReferenceCounter

    if connection.vendor != "postgresql":
        pytest.skip("the reference is formatted in SQL only on PostgreSQL")
    if number > 1:
        ReferenceCounter.objects.create(year=2031, last_number=number - 1)
    with connection.cursor() as cursor:
        cursor.execute(intake._reference_sql(), [2031, "OCC-2031-"])
        (formatted,) = cursor.fetchone()
    assert formatted == intake._reference_format("OCC", 2031, number)
    assert ReferenceCounter.objects.get(year=2031).last_number == number

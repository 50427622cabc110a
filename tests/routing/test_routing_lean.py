"""The routing and delivery paths write and read what they did before with fewer statements: the
status change's audit entry written directly equals django-auditlog's, the reads compiled once
(occ.compiled) give what the ORM gives, a referral withdrawn during its delivery stays withdrawn."""

from datetime import date

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from complaints.models import Agency, Complaint, Role, Status
from complaints.services import lifecycle
from occ.compiled import Compiled
from privacy.models import DataSharingAgreement, TransferChainHead, TransferRecord
from routing import disclosure, referrals
from routing.models import Referral
from tests.test_audit_direct import COMPARED  # the fields auditlog's own entry is compared on

pytestmark = pytest.mark.django_db


class _Undo(Exception):
    pass


def _status_change_entry(case_pk: int, actor, *, locked: bool) -> dict:
    """The audit entry of received -> referred on this case, the row locked as referral_create
    locks it; returned as values, then everything is rolled back."""
    found: dict = {}
    try:
        with transaction.atomic():
            complaint = referrals._CASE_LOCKED.get(case_pk)
            before = set(LogEntry.objects.values_list("pk", flat=True))
            lifecycle.status_set(complaint=complaint, to_status=Status.REFERRED, actor=actor, locked=locked)
            (entry,) = LogEntry.objects.exclude(pk__in=before)
            found = {f: getattr(entry, f) for f in COMPARED}
            raise _Undo
    except _Undo:
        pass
    return found


def test_the_status_audit_entry_written_directly_equals_the_signals_entry(file_complaint, user_factory):
    """clause: OCC-8, OCC-11 (every change recorded as evidence, as django-auditlog records it)"""
    case = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
    agent = user_factory(Role.AGENT)
    with set_actor(agent, remote_addr="203.0.113.9"):
        by_signal = _status_change_entry(case.pk, agent, locked=False)
        direct = _status_change_entry(case.pk, agent, locked=True)
    assert by_signal and direct == by_signal
    assert direct["actor_id"] == agent.pk and direct["remote_addr"] == "203.0.113.9"
    assert direct["action"] == LogEntry.Action.UPDATE and direct["changes"]["status"] == [
        "received",
        "referred",
    ]


def test_routing_a_case_writes_its_status_audit_entry_once(file_complaint, user_factory):
    """clause: OCC-8 (the referral's status change is in django-auditlog's table, once)"""
    case = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
    referrals.referral_create(
        complaint=case,
        agency=Agency.objects.get(code="ccib"),
        purpose="investigation",
        basis="related_agency",
        actor=user_factory(Role.AGENT),
    )
    updates = LogEntry.objects.filter(
        content_type__model="complaint", object_pk=str(case.pk), action=LogEntry.Action.UPDATE
    )
    assert [e.changes for e in updates] == [{"status": ["received", "referred"]}]


def test_compiled_reads_give_what_the_orm_gives(file_complaint, user_factory):
    case = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
    ref = referrals.referral_create(
        complaint=case,
        agency=Agency.objects.get(code="ccib"),
        purpose="investigation",
        basis="related_agency",
        actor=user_factory(Role.AGENT),
    )
    read = referrals._DELIVERY_READ.get(ref.pk)
    orm = Referral.objects.select_related(*referrals._DELIVERY_RELATED).get(pk=ref.pk)
    for obj, other in [
        (read, orm),
        (read.agency, orm.agency),
        (read.complaint, orm.complaint),
        (read.complaint.complainant, orm.complaint.complainant),
        (read.complaint.category, orm.complaint.category),
        (read.created_by, orm.created_by),
    ]:
        names = [f.attname for f in type(obj)._meta.concrete_fields]
        assert [getattr(obj, n) for n in names] == [getattr(other, n) for n in names]
        assert obj._state.adding is False and obj._state.db == "default"
    with pytest.raises(Referral.DoesNotExist):
        referrals._DELIVERY_READ.get(ref.pk + 1000)
    # a date parameter (the agreements in force today), and the same rows as the ORM's
    agency = Agency.objects.get(code="ccib")
    today = date.today()
    orm_agreements = list(
        DataSharingAgreement.objects.filter(agency=agency, categories=case.category_id, valid_from__lte=today)
        .exclude(valid_until__lt=today)
        .filter(is_active=True)
        .order_by("id")
    )
    assert orm_agreements
    assert disclosure._AGREEMENTS_IN_FORCE.all(agency.pk, case.category_id, today) == orm_agreements
    assert disclosure._AGREEMENTS_IN_FORCE.all(agency.pk, case.category_id, date(1990, 1, 1)) == []


def test_a_query_the_plan_cannot_read_runs_through_the_orm(file_complaint):
    case = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
    # the stand-in becomes %...% inside the LIKE parameter: not located, so the ORM runs it
    fuzzy = Compiled(lambda part: Complaint.objects.filter(reference__icontains=part))
    assert fuzzy.all(case.reference[-4:]) == [case]
    assert next(iter(fuzzy._plans.values())) is None
    assert fuzzy.all("no such reference") == []


def test_a_referral_withdrawn_during_its_delivery_stays_withdrawn(
    file_complaint, user_factory, monkeypatch, settings
):
    """clause: OCC-7 (the state says what the gate decided; the transfer record says what left)"""
    Agency.objects.filter(code="ccib").update(
        delivery_method="webhook", webhook_url="http://127.0.0.1:9/x", webhook_secret="s", failure_count=3
    )
    agent = user_factory(Role.AGENT)
    case = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
    ref = referrals.referral_create(
        complaint=case,
        agency=Agency.objects.get(code="ccib"),
        purpose="investigation",
        basis="related_agency",
        actor=agent,
    )

    def sent_then_withdrawn(referral, body):
        Referral.objects.filter(pk=referral.pk).update(state="withdrawn", withdrawn_reason="restricted")
        return 200

    monkeypatch.setattr(referrals, "_send", sent_then_withdrawn)
    assert referrals.referral_deliver(referral_id=ref.pk) == "delivered"
    ref.refresh_from_db()
    assert ref.state == "withdrawn" and ref.delivered_at is None
    assert TransferRecord.objects.filter(delivery_id=str(ref.delivery_id)).count() == 1
    assert Agency.objects.get(code="ccib").failure_count == 0
    # a pending one is delivered: state, time, hash of the bytes
    ref2 = referrals.referral_create(
        complaint=Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"]),
        agency=Agency.objects.get(code="ccib"),
        purpose="investigation",
        basis="related_agency",
        actor=agent,
    )
    monkeypatch.setattr(referrals, "_send", lambda referral, body: 200)
    assert referrals.referral_deliver(referral_id=ref2.pk) == "delivered"
    ref2.refresh_from_db()
    record = TransferRecord.objects.get(delivery_id=str(ref2.delivery_id))
    assert ref2.state == "delivered" and ref2.delivered_at and ref2.payload_sha256 == record.payload_sha256
    assert ref2.fields == record.fields and ref2.last_error == "" and ref2.next_attempt_at is None


def test_a_batch_delivers_each_referral_on_its_own_under_its_request_id(
    file_complaint, user_factory, monkeypatch
):
    """clause: OCC-7 (each referral claimed, gated and recorded on its own, also in a batch)"""
    from occ.observability.logs import request_id_var
    from routing import tasks

    Agency.objects.filter(code="ccib").update(delivery_method="webhook", webhook_url="http://127.0.0.1:9/x")
    agent = user_factory(Role.AGENT)
    made = [
        referrals.referral_create(
            complaint=Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"]),
            agency=Agency.objects.get(code="ccib"),
            purpose="investigation",
            basis="related_agency",
            actor=agent,
        )
        for _ in range(3)
    ]
    seen = []
    real = referrals.referral_deliver

    def deliver(*, referral_id):
        seen.append((referral_id, request_id_var.get()))
        if referral_id == made[0].pk:
            raise RuntimeError("this one breaks")
        return real(referral_id=referral_id)

    monkeypatch.setattr(referrals, "referral_deliver", deliver)
    monkeypatch.setattr(referrals, "_send", lambda referral, body: 200)
    ids = [r.pk for r in made]
    outcomes = tasks.referrals_deliver.apply(args=[ids, ["req-a", "req-b", ""]]).get()
    assert outcomes == ["error", "delivered", "delivered"]
    assert [rid for rid, _ in seen] == ids
    assert [rid for _, rid in seen][:2] == ["req-a", "req-b"]
    states = dict(Referral.objects.filter(pk__in=ids).values_list("pk", "state"))
    assert states == {ids[0]: "pending", ids[1]: "delivered", ids[2]: "delivered"}
    assert TransferRecord.objects.filter(kind="disclosure").count() == 2


@pytest.mark.skipif(connection.vendor != "postgresql", reason="one statement: PostgreSQL only")
def test_a_deliverys_writes_are_one_statement(file_complaint, user_factory, monkeypatch):
    """On PostgreSQL: the transfer record, the chain head, the referral, the agency and the attempt
    in one statement after the lock (occ.rows.rows_together)."""

    Agency.objects.filter(code="ccib").update(delivery_method="webhook", webhook_url="http://127.0.0.1:9/x")
    ref = referrals.referral_create(
        complaint=Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"]),
        agency=Agency.objects.get(code="ccib"),
        purpose="investigation",
        basis="related_agency",
        actor=user_factory(Role.AGENT),
    )
    monkeypatch.setattr(referrals, "_send", lambda referral, body: 200)
    TransferChainHead.objects.get_or_create(id=1)  # the log's head exists (written once per log)
    with CaptureQueriesContext(connection) as ctx:
        assert referrals.referral_deliver(referral_id=ref.pk) == "delivered"
    writes = [q["sql"] for q in ctx.captured_queries if q["sql"].startswith("WITH r0 AS (INSERT")]
    assert len(writes) == 1 and 'UPDATE "privacy_transferchainhead"' in writes[0]
    assert 'INSERT INTO "complaints_referralattempt"' in writes[0]
    claim = 'UPDATE "complaints_referral" SET "state" = \'sending\''
    other_writes = [
        q["sql"][:80]
        for q in ctx.captured_queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) and not q["sql"].startswith(claim)
    ]
    assert other_writes == []
    ref.refresh_from_db()
    record = TransferRecord.objects.get(delivery_id=str(ref.delivery_id))

    head = TransferChainHead.objects.get(id=1)  # the head advanced to the record
    assert ref.state == "delivered" and (head.seq, head.hash) == (record.seq, record.hash)


def test_a_compiled_read_sets_annotations_as_the_orm_does(file_complaint):
    from django.db.models import Count, F

    case = Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])
    annotated = Compiled(
        lambda pk: Complaint.objects.filter(pk=pk).annotate(doubled=F("id") * 2, n_events=Count("events"))
    )
    (read,) = annotated.all(case.pk)
    orm = Complaint.objects.filter(pk=case.pk).annotate(doubled=F("id") * 2, n_events=Count("events")).get()
    assert next(iter(annotated._plans.values())) is not None  # compiled, not the ORM's every call
    assert (read.doubled, read.n_events) == (orm.doubled, orm.n_events) == (case.pk * 2, orm.n_events)
    assert orm.n_events > 0

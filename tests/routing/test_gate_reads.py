"""The gate's two reads (the agreements in force, the case's attachments) made in the same
statement as the routing call's and the delivery's read of the case, on PostgreSQL: the same rows
as the gate's own reads, used only for the case, agency, category and day they were read for, and
only once (OCC-7: the gate is asked at every release with what is stored at that moment)."""

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from complaints.models import Agency, Attachment, Category, Complaint, Role
from privacy.models import DataSharingAgreement, TransferChainHead
from routing import disclosure, referrals
from routing.disclosure import AgreementTerms, DisclosureRefused, GateReads
from routing.models import Referral

pytestmark = pytest.mark.django_db
POSTGRESQL = connection.vendor == "postgresql"


@pytest.fixture
def case(file_complaint):
    return Complaint.objects.get(reference=file_complaint(category="financial_scam")["reference"])


@pytest.fixture
def ccib():
    # delivered by webhook (the transport is replaced in the tests that deliver)
    Agency.objects.filter(code="ccib").update(delivery_method="webhook", webhook_url="http://127.0.0.1:9/x")
    return Agency.objects.get(code="ccib")


def _attach(case, name: str, when) -> Attachment:
    a = Attachment.objects.create(
        complaint=case,
        file=f"evidence/{name}",
        original_name=name,
        content_type="image/png",
        size=10,
        sha256="c" * 64,
    )
    Attachment.objects.filter(pk=a.pk).update(uploaded_at=when)
    return a


def _agreements(case, ccib):
    """Beside the demo's agreement: an expired one, an inactive one, one of another category, one
    of another agency, one that starts tomorrow, and a second one in force."""
    today = timezone.localdate()
    other_category = Category.objects.exclude(pk=case.category_id).first()
    other_agency = Agency.objects.exclude(pk=ccib.pk).first()
    made = []
    for agency, category, valid_from, valid_until, active in [
        (ccib, case.category, date(2020, 1, 1), today - timedelta(days=1), True),
        (ccib, case.category, date(2020, 1, 1), None, False),
        (ccib, other_category, date(2020, 1, 1), None, True),
        (other_agency, case.category, date(2020, 1, 1), None, True),
        (ccib, case.category, today + timedelta(days=1), None, True),
        (ccib, case.category, today, today, True),
    ]:
        a = DataSharingAgreement.objects.create(
            agency=agency,
            title="t",
            legal_reference=f"ref {len(made)} ศูนย์",
            purposes=["investigation", "statistics"],
            field_profile=["complainant.name"],
            valid_from=valid_from,
            valid_until=valid_until,
            is_active=active,
        )
        a.categories.add(category)
        made.append(a)
    return made


def _terms(agreements) -> list[tuple]:
    return [(a.pk, a.purposes, a.field_profile, a.legal_reference) for a in agreements]


def _facts(attachments) -> list[tuple]:
    return [(a.original_name, a.content_type, a.size, a.sha256) for a in attachments]


def _route(case, ccib, user_factory):
    return referrals.referral_create(
        complaint=case,
        agency=ccib,
        purpose="investigation",
        basis="related_agency",
        actor=user_factory(Role.AGENT),
    )


def test_the_reads_made_with_the_case_are_the_gates_own_reads(case, ccib, user_factory):
    """clause: OCC-7"""
    now = timezone.now()
    _attach(case, "later.png", now)
    _attach(case, "earlier 0812345678.png", now - timedelta(hours=1))
    _agreements(case, ccib)
    today = timezone.localdate()
    own_agreements = disclosure._AGREEMENTS_IN_FORCE.all(ccib.pk, case.category_id, today)
    own_attachments = disclosure._ATTACHMENTS.all(case.pk)
    assert len(own_agreements) == 2 and [a.original_name for a in own_attachments][0].startswith("earlier")

    with transaction.atomic():
        locked, reads = referrals._case_locked(case.pk, ccib.pk)
        assert not hasattr(locked, "gate_agreements_in_force")  # taken off: one decision only
    ref = _route(case, ccib, user_factory)
    read, delivery_reads = referrals._delivery_read(ref.pk)
    if not POSTGRESQL:
        assert reads is None and delivery_reads is None  # the gate reads them itself
        return
    for found in (reads, delivery_reads):
        assert found is not None
        assert (found.complaint_id, found.agency_id, found.category_id, found.today) == (
            case.pk,
            ccib.pk,
            case.category_id,
            today,
        )
        assert [tuple(a) for a in found.agreements] == _terms(own_agreements)
        assert [tuple(a) for a in found.attachments] == _facts(own_attachments)
    # the decision with them is the decision the gate reaches with its own reads
    assert delivery_reads is not None
    with_reads = referrals.referral_gate(read, loaded=True, reads=delivery_reads)
    alone = referrals.referral_gate(read)
    assert (with_reads.body, with_reads.sha256, with_reads.fields, with_reads.basis_reference) == (
        alone.body,
        alone.sha256,
        alone.fields,
        alone.basis_reference,
    )
    assert "[redacted" in with_reads.body.decode() or "earlier" in with_reads.body.decode()


@pytest.mark.skipif(not POSTGRESQL, reason="the joined reads are PostgreSQL's")
def test_a_routing_call_and_a_delivery_read_the_case_and_the_gates_rows_in_one_statement(
    case, ccib, user_factory, monkeypatch
):
    """clause: OCC-7 (the gate's reads made at this release, in the case's read)"""
    with CaptureQueriesContext(connection) as routing:
        ref = _route(case, ccib, user_factory)
    reads = [q["sql"] for q in routing.captured_queries if q["sql"].startswith("SELECT")]
    assert (
        len(reads) == 1 and "privacy_datasharingagreement" in reads[0] and "complaints_attachment" in reads[0]
    )
    monkeypatch.setattr(referrals, "_send", lambda referral, body: 200)
    TransferChainHead.objects.get_or_create(id=1)  # the log's head exists (written once per log)
    with CaptureQueriesContext(connection) as delivery:
        assert referrals.referral_deliver(referral_id=ref.pk) == "delivered"
    sql = [q["sql"] for q in delivery.captured_queries]
    # the claim, the referral with its case and the gate's rows: one statement; then the chain
    # head under its lock; no other read
    (claimed_read,) = [q for q in sql if q.startswith("WITH occ_claimed AS (UPDATE")]
    assert "complaints_attachment" in claimed_read and "privacy_datasharingagreement" in claimed_read
    reads = [q for q in sql if q.startswith("SELECT")]
    assert len(reads) == 1 and "privacy_transferchainhead" in reads[0]
    assert not [q for q in sql if q.startswith('UPDATE "complaints_referral" SET "state" = \'sending\'')]


def test_an_agreement_ended_after_the_routing_call_refuses_the_delivery(
    case, ccib, user_factory, monkeypatch
):
    """clause: OCC-7 (asked again at the delivery, with what is stored then)"""
    ref = _route(case, ccib, user_factory)
    DataSharingAgreement.objects.filter(agency=ccib).update(
        valid_until=timezone.localdate() - timedelta(days=1)
    )
    monkeypatch.setattr(referrals, "_send", lambda referral, body: pytest.fail("nothing may be sent"))
    assert referrals.referral_deliver(referral_id=ref.pk) == "withdrawn"
    ref.refresh_from_db()
    assert ref.withdrawn_reason == "no_agreement"


def test_reads_of_another_case_agency_or_day_are_not_used(case, ccib):
    """A decision uses reads made with the case only for that case, agency, category and day:
    otherwise it reads itself (here: the demo's agreement in force).

    clause: OCC-7"""
    today = timezone.localdate()
    nothing_in_force = {"agreements": [], "attachments": []}
    matching = GateReads(case.pk, ccib.pk, case.category_id, today, **nothing_in_force)
    decide = {"complaint": case, "recipient": ccib, "purpose": "investigation", "basis": "related_agency"}
    with pytest.raises(DisclosureRefused) as refused:
        disclosure.disclosure_decide(**decide, reads=matching)  # used: nothing in force in them
    assert refused.value.code == "no_agreement"
    own = disclosure.disclosure_decide(**decide)
    for other in [
        GateReads(case.pk + 1, ccib.pk, case.category_id, today, **nothing_in_force),
        GateReads(case.pk, ccib.pk + 1, case.category_id, today, **nothing_in_force),
        GateReads(case.pk, ccib.pk, (case.category_id or 0) + 1, today, **nothing_in_force),
        GateReads(case.pk, ccib.pk, case.category_id, today - timedelta(days=1), **nothing_in_force),
    ]:
        assert disclosure.disclosure_decide(**decide, reads=other).body == own.body
    # and what they say is what the decision rests on when they match
    forged = AgreementTerms(
        pk=99, purposes=["investigation"], field_profile=["complainant.name"], legal_reference="x"
    )
    decided = disclosure.disclosure_decide(
        **decide, reads=GateReads(case.pk, ccib.pk, case.category_id, today, [forged], [])
    )
    assert decided.fields == ["complainant.name"] and decided.basis_reference == "agreement #99: x"


def test_the_claim_read_with_the_referral_claims_once_and_reads_the_claimed_state(case, ccib, user_factory):
    """A delivery claims and reads in one go (one statement on PostgreSQL): a second claim while
    the lease runs finds nothing, a lapsed lease is claimed again; the instance read says what
    the row says after the claim.

    clause: OCC-7, OCC-8 (one release per claim; the gate asked at each)"""
    ref = _route(case, ccib, user_factory)
    claimed, read, reads = referrals._claimed_read(ref.pk)
    assert claimed and read is not None
    ref.refresh_from_db()
    assert (read.state, read.attempts, read.claimed_at) == (ref.state, ref.attempts, ref.claimed_at)
    assert ref.state == "sending" and ref.attempts == 1
    assert (reads is not None) == POSTGRESQL
    assert referrals._claimed_read(ref.pk) == (False, None, None)  # the lease runs: not again
    Referral.objects.filter(pk=ref.pk).update(claimed_at=timezone.now() - timedelta(hours=1))
    claimed, read, _ = referrals._claimed_read(ref.pk)
    assert claimed and read is not None and read.attempts == 2
    Referral.objects.filter(pk=ref.pk).update(state="delivered")
    assert referrals._claimed_read(ref.pk) == (False, None, None)
    assert referrals._claimed_read(ref.pk + 1000) == (False, None, None)

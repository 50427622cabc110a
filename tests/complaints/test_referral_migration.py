"""Migration complaints.0004: the stored referral payloads are cleared and the column dropped; the
referrals are kept and linked to the consent their basis reference names (OCC-8)."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("complaints", "0003_routing_and_referrals")]
AFTER = [("complaints", "0004_referral_gate_no_payload_and_notices")]


@pytest.mark.django_db(transaction=True)
def test_old_payloads_are_cleared_and_referrals_kept(demo, request):
    """clause: OCC-8 (no copy of personal data in clear in the referral)"""
    from complaints.models import Agency, Category, Complainant, Complaint
    from privacy.models import Consent

    person = Complainant.objects.create(name="สมชาย ใจดี", phone="+66812345678")
    case = Complaint.objects.create(
        reference="OCC-2026-009999",
        tracking_code_hash="x" * 64,
        channel="web",
        category=Category.objects.get(code="financial_scam"),
        complainant=person,
        description="ถูกหลอก",
        received_at=timezone.now(),
    )
    consent = Consent.objects.create(
        complainant=person, purposes=["investigation"], fields=[], channel="web", statement="ok",
        given_at=timezone.now(),
    )  # fmt: skip
    agency_id = Agency.objects.get(code="ccib").pk

    executor = MigrationExecutor(connection)
    # The step back unapplies every later migration (and the apps depending on them): put the schema
    # back at the latest state afterwards, whatever this test finds, for the tests that follow.
    latest = executor.loader.graph.leaf_nodes()
    request.addfinalizer(lambda: MigrationExecutor(connection).migrate(latest))
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Referral = old.get_model("complaints", "Referral")
    Referral.objects.create(
        complaint_id=case.pk,
        agency_id=agency_id,
        delivery_method="api",
        purpose="investigation",
        basis="consent",
        basis_reference=f"consent #{consent.pk} given 2026-11-01 by web",
        fields=["complainant.name"],
        payload='{"complainant":{"name":"สมชาย ใจดี","phone":"+66812345678"}}',
        payload_sha256="a" * 64,
        state="available",
    )
    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    executor.loader.build_graph()

    with connection.cursor() as cursor:
        columns = [
            c.name for c in connection.introspection.get_table_description(cursor, "complaints_referral")
        ]
        cursor.execute("SELECT * FROM complaints_referral")
        rows = cursor.fetchall()
    assert "payload" not in columns
    assert len(rows) == 1 and "สมชาย" not in repr(rows) and "+66812345678" not in repr(rows)
    from routing.models import Referral as Now

    ref = Now.objects.get()
    assert (
        ref.consent_id == consent.pk and ref.payload_sha256 == "a" * 64 and ref.fields == ["complainant.name"]
    )
    # leave the schema at the latest migration for the tests that follow (later migrations exist)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

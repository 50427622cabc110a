"""Migrations complaints 0008 / routing 0001: the routing models move to the routing app over their
existing tables. A database filled before the move (referrals with their attempts and returned
data, a notice, a rule, an agency key, an outbox row for the old task name) keeps every row, and the
moved models read them (issue 13: migrations keep the data). clause: OCC-9 (every referral kept as
evidence of what went to which agency)"""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

BEFORE = [("complaints", "0007_complaint_acknowledgement_due"), ("routing", None)]


@pytest.mark.django_db(transaction=True)
def test_rows_filled_before_the_move_are_read_by_the_routing_app(demo, request):
    """clause: OCC-9"""
    from complaints.models import Agency, Category, Complainant, Complaint

    person = Complainant.objects.create(name="ผู้ร้องทดสอบ")
    case = Complaint.objects.create(
        reference="OCC-2026-008888",
        tracking_code_hash="y" * 64,
        channel="web",
        category=Category.objects.get(code="financial_scam"),
        complainant=person,
        description="ทดสอบการย้ายตาราง",
        received_at=timezone.now(),
    )
    agency = Agency.objects.get(code="ccib")

    executor = MigrationExecutor(connection)
    latest = executor.loader.graph.leaf_nodes()
    request.addfinalizer(lambda: MigrationExecutor(connection).migrate(latest))
    executor.migrate(BEFORE)
    old = executor.loader.project_state(
        [*BEFORE[:1], ("outbox", "0002_outbox_request_id"), ("contenttypes", "0002_remove_content_type_name")]
    ).apps
    with pytest.raises(LookupError):
        old.get_model("routing", "Referral")  # before the move there is no routing app
    referral = old.get_model("complaints", "Referral").objects.create(
        complaint_id=case.pk,
        agency_id=agency.pk,
        delivery_method="webhook",
        purpose="investigation",
        basis="related_agency",
        basis_reference="agreement #1",
        fields=["category"],
        payload_sha256="b" * 64,
        state="delivered",
    )
    old.get_model("complaints", "ReferralAttempt").objects.create(
        referral_id=referral.pk, ok=True, status_code=200, payload_sha256="b" * 64
    )
    old.get_model("complaints", "ReturnedData").objects.create(
        referral_id=referral.pk, kind="police_case_number", value="ปิดเรื่อง", returned_by="officer"
    )
    rule = old.get_model("complaints", "RoutingRule").objects.create(
        category_id=case.category_id, agency_id=agency.pk, priority=77, purpose="investigation"
    )
    old.get_model("complaints", "AgencyCredential").objects.create(
        agency_id=agency.pk, prefix="movetest", key_hash="c" * 64
    )
    old.get_model("outbox", "OutboxMessage").objects.create(
        task="complaints.tasks.referral_deliver", args=[referral.pk]
    )
    content_type = old.get_model("contenttypes", "ContentType")
    content_type.objects.get_or_create(app_label="complaints", model="referral")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.contenttypes.models import ContentType

    from occ.outbox.models import OutboxMessage
    from routing.models import AgencyCredential, Referral, ReferralAttempt, ReturnedData, RoutingRule

    moved = Referral.objects.get(pk=referral.pk)
    assert (moved.delivery_id, moved.state, moved.payload_sha256) == (
        referral.delivery_id,
        "delivered",
        "b" * 64,
    )
    assert ReferralAttempt.objects.get(referral=moved).status_code == 200
    assert ReturnedData.objects.get(referral=moved).value == "ปิดเรื่อง"
    assert RoutingRule.objects.get(pk=rule.pk).priority == 77
    assert AgencyCredential.objects.filter(prefix="movetest").exists()
    # the waiting outbox row now names the task where it lives
    assert OutboxMessage.objects.get(args=[referral.pk]).task == "routing.tasks.referral_deliver"
    # the content type moved with the model (permissions and admin history keep their rows)
    assert ContentType.objects.get_for_model(Referral).app_label == "routing"
    assert not ContentType.objects.filter(app_label="complaints", model="referral").exists()
    with connection.cursor() as cursor:
        assert "complaints_referral" in connection.introspection.table_names(cursor)

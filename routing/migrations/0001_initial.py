"""The routing models, moved from ``complaints`` over their existing tables (state only; see
complaints 0008). Their content types are renamed to this app, so permissions, admin history and
any generic reference keep pointing at the same rows; outbox rows waiting for the old task names
are renamed to the new ones."""

import django.db.models.deletion
import uuid
from django.conf import settings
from django.db import migrations, models


MODELS = ("agencycredential", "routingrule", "referral", "referralattempt", "recipientnotice", "returneddata")
TASKS = {
    "complaints.tasks.referral_deliver": "routing.tasks.referral_deliver",
    "complaints.tasks.referrals_retry_due": "routing.tasks.referrals_retry_due",
    "complaints.tasks.notice_deliver": "routing.tasks.notice_deliver",
    "complaints.tasks.notices_retry_due": "routing.tasks.notices_retry_due",
    "complaints.tasks.transfer_log_seal": "privacy.tasks.transfer_log_seal",
}


def forwards(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="complaints", model__in=MODELS).update(app_label="routing")
    outbox = apps.get_model("outbox", "OutboxMessage")
    for old, new in TASKS.items():
        outbox.objects.filter(task=old).update(task=new)


def backwards(apps, schema_editor):
    content_type = apps.get_model("contenttypes", "ContentType")
    content_type.objects.filter(app_label="routing", model__in=MODELS).update(app_label="complaints")
    outbox = apps.get_model("outbox", "OutboxMessage")
    for old, new in TASKS.items():
        outbox.objects.filter(task=new).update(task=old)


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("complaints", "0008_routing_models_moved_to_routing"),
        ("privacy", "0005_merge_0004_indicator_sharing_0004_processor_register"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("contenttypes", "0002_remove_content_type_name"),
        ("outbox", "0002_outbox_request_id"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="AgencyCredential",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("prefix", models.CharField(max_length=12, unique=True)),
                        ("key_hash", models.CharField(max_length=64)),
                        ("label", models.CharField(blank=True, max_length=100)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("revoked_at", models.DateTimeField(blank=True, null=True)),
                        ("last_used_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="credentials",
                                to="complaints.agency",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "complaints_agencycredential",
                    },
                ),
                migrations.CreateModel(
                    name="Referral",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("delivery_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "delivery_method",
                            models.CharField(
                                choices=[
                                    ("api", "the agency pulls through the agency API"),
                                    ("webhook", "signed webhook push"),
                                    ("email", "e-mail to the agency's designated address"),
                                ],
                                max_length=8,
                            ),
                        ),
                        ("purpose", models.CharField(max_length=40)),
                        ("basis", models.CharField(max_length=20)),
                        ("basis_reference", models.CharField(max_length=300)),
                        (
                            "fields",
                            models.JSONField(
                                default=list, help_text="the fields of the latest release (or decision)"
                            ),
                        ),
                        (
                            "payload_sha256",
                            models.CharField(
                                help_text="SHA-256 of the bytes of the latest release (or of the decision)",
                                max_length=64,
                            ),
                        ),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("pending", "waiting to be sent"),
                                    ("sending", "being sent"),
                                    ("retrying", "will be retried"),
                                    ("delivered", "delivered"),
                                    ("available", "available to the agency"),
                                    ("acknowledged", "acknowledged by the agency"),
                                    ("failed", "delivery failed"),
                                    ("withdrawn", "withdrawn: the disclosure gate refused a release"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=12,
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("next_attempt_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        ("acknowledged_at", models.DateTimeField(blank=True, null=True)),
                        ("agency_case_reference", models.CharField(blank=True, max_length=100)),
                        ("withdrawn_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "withdrawn_reason",
                            models.CharField(
                                blank=True,
                                help_text="the gate's reason code (see routing.referrals.WITHDRAWAL)",
                                max_length=40,
                            ),
                        ),
                        (
                            "agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="referrals",
                                to="complaints.agency",
                            ),
                        ),
                        (
                            "complaint",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="referrals",
                                to="complaints.complaint",
                            ),
                        ),
                        (
                            "consent",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="privacy.consent",
                            ),
                        ),
                        (
                            "created_by",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "legal_order",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to="privacy.legalorder",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "complaints_referral",
                        "ordering": ["-created_at", "-id"],
                    },
                ),
                migrations.CreateModel(
                    name="ReferralAttempt",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("attempt", "attempt"),
                                    ("resend", "resend"),
                                    ("refused", "refused by the disclosure gate"),
                                ],
                                default="attempt",
                                max_length=8,
                            ),
                        ),
                        ("at", models.DateTimeField(auto_now_add=True)),
                        ("ok", models.BooleanField(default=False)),
                        ("status_code", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("error", models.CharField(blank=True, max_length=500)),
                        (
                            "payload_sha256",
                            models.CharField(
                                blank=True, help_text="SHA-256 of the bytes attempted", max_length=64
                            ),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "referral",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="attempt_log",
                                to="routing.referral",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "complaints_referralattempt",
                        "ordering": ["at", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="ReturnedData",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        ("kind", models.CharField(help_text="e.g. police_case_number", max_length=40)),
                        ("value", models.CharField(max_length=500)),
                        ("note", models.TextField(blank=True)),
                        ("legal_basis", models.CharField(blank=True, max_length=300)),
                        (
                            "returned_by",
                            models.CharField(help_text="officer username or agency system", max_length=150),
                        ),
                        ("returned_at", models.DateTimeField(auto_now_add=True)),
                        (
                            "referral",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="returned_data",
                                to="routing.referral",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "complaints_returneddata",
                        "ordering": ["returned_at", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="RoutingRule",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "keywords",
                            models.CharField(
                                blank=True, help_text="comma-separated; any one must appear", max_length=500
                            ),
                        ),
                        ("province", models.CharField(blank=True, max_length=100)),
                        ("priority", models.PositiveSmallIntegerField(default=100, help_text="lower first")),
                        ("purpose", models.CharField(default="investigation", max_length=40)),
                        ("is_active", models.BooleanField(default=True)),
                        (
                            "agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="routing_rules",
                                to="complaints.agency",
                            ),
                        ),
                        (
                            "category",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="routing_rules",
                                to="complaints.category",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "complaints_routingrule",
                        "ordering": ["priority", "id"],
                    },
                ),
                migrations.CreateModel(
                    name="RecipientNotice",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "event",
                            models.CharField(
                                choices=[
                                    ("rectified", "data rectified"),
                                    ("erased", "data erased"),
                                    ("restricted", "processing restricted"),
                                    ("restriction_lifted", "restriction lifted"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "event_key",
                            models.CharField(
                                help_text="the event's identity (e.g. the request id)", max_length=80
                            ),
                        ),
                        ("changed", models.JSONField(default=list, help_text="field names, never values")),
                        ("delivery_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        (
                            "delivery_method",
                            models.CharField(
                                choices=[
                                    ("api", "the agency pulls through the agency API"),
                                    ("webhook", "signed webhook push"),
                                    ("email", "e-mail to the agency's designated address"),
                                ],
                                max_length=8,
                            ),
                        ),
                        ("body", models.TextField(help_text="the exact JSON bytes sent (no personal data)")),
                        ("body_sha256", models.CharField(max_length=64)),
                        (
                            "state",
                            models.CharField(
                                choices=[
                                    ("pending", "waiting to be sent"),
                                    ("sending", "being sent"),
                                    ("retrying", "will be retried"),
                                    ("delivered", "delivered"),
                                    ("available", "available to the agency"),
                                    ("failed", "delivery failed"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=12,
                            ),
                        ),
                        ("attempts", models.PositiveIntegerField(default=0)),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("next_attempt_at", models.DateTimeField(blank=True, db_index=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=500)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("delivered_at", models.DateTimeField(blank=True, null=True)),
                        (
                            "agency",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="recipient_notices",
                                to="complaints.agency",
                            ),
                        ),
                        (
                            "complaint",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="recipient_notices",
                                to="complaints.complaint",
                            ),
                        ),
                    ],
                    options={
                        "db_table": "complaints_recipientnotice",
                        "ordering": ["-created_at", "-id"],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("complaint", "agency", "event", "event_key"),
                                name="one_notice_per_event_and_agency",
                            )
                        ],
                    },
                ),
                migrations.AddIndex(
                    model_name="referral",
                    index=models.Index(fields=["agency", "state"], name="complaints__agency__00d834_idx"),
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(forwards, backwards),
    ]

"""The routing models move to the ``routing`` app (issue 13). State only: their tables keep their
names (``complaints_referral`` ...) and every row, so nothing is copied or locked; routing 0001
creates the same models in its own state over the same tables."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("complaints", "0007_complaint_acknowledgement_due"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name="recipientnotice",
                    name="agency",
                ),
                migrations.RemoveField(
                    model_name="recipientnotice",
                    name="complaint",
                ),
                migrations.RemoveField(
                    model_name="referral",
                    name="agency",
                ),
                migrations.RemoveField(
                    model_name="referral",
                    name="complaint",
                ),
                migrations.RemoveField(
                    model_name="referral",
                    name="consent",
                ),
                migrations.RemoveField(
                    model_name="referral",
                    name="created_by",
                ),
                migrations.RemoveField(
                    model_name="referral",
                    name="legal_order",
                ),
                migrations.RemoveField(
                    model_name="referralattempt",
                    name="referral",
                ),
                migrations.RemoveField(
                    model_name="returneddata",
                    name="referral",
                ),
                migrations.RemoveField(
                    model_name="referralattempt",
                    name="actor",
                ),
                migrations.RemoveField(
                    model_name="routingrule",
                    name="agency",
                ),
                migrations.RemoveField(
                    model_name="routingrule",
                    name="category",
                ),
                migrations.DeleteModel(
                    name="AgencyCredential",
                ),
                migrations.DeleteModel(
                    name="RecipientNotice",
                ),
                migrations.DeleteModel(
                    name="Referral",
                ),
                migrations.DeleteModel(
                    name="ReturnedData",
                ),
                migrations.DeleteModel(
                    name="ReferralAttempt",
                ),
                migrations.DeleteModel(
                    name="RoutingRule",
                ),
            ],
            database_operations=[],
        ),
    ]

"""SignedRequestNonce moves from channels_intake.telephony to occ.signing with its rows: the model's
state is created here over the existing table (no database change), the telephony app drops its
state (channels_intake/telephony/migrations/0003), then the table takes this app's name."""

from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("intake_telephony", "0002_calls_agents_resumable_uploads_fax_evidence"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SignedRequestNonce",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("digest", models.CharField(max_length=64, unique=True)),
                        ("seen_at", models.DateTimeField(auto_now_add=True, db_index=True)),
                    ],
                    options={"db_table": "intake_telephony_signedrequestnonce"},
                ),
            ],
            database_operations=[],
        ),
    ]

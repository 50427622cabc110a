"""SignedRequestNonce now belongs to occ.signing (one replay guard for every machine client); its
table and rows stay (occ/signing/migrations/0001 and 0002)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("intake_telephony", "0002_calls_agents_resumable_uploads_fax_evidence"),
        ("signing", "0001_signed_request_nonce"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SignedRequestNonce")],
            database_operations=[],
        ),
    ]

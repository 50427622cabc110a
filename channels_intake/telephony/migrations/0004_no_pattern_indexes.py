from django.db import migrations

from occ.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    """No pattern (_like) index on our text columns: none is searched by prefix, and each one
    cost an index entry per row written (occ.migration_ops.DropPatternIndexes)."""

    dependencies = [("intake_telephony", "0003_signed_request_nonce_moved_to_signing")]

    operations = [
        DropPatternIndexes('agentextension', ['extension']),
        DropPatternIndexes('call', ['call_id', 'caller_number']),
        DropPatternIndexes('fax', ['dedup_key', 'sha256']),
    ]

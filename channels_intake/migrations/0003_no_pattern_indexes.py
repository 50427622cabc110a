from django.db import migrations

from occ.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    """No pattern (_like) index on our text columns: none is searched by prefix, and each one
    cost an index entry per row written (occ.migration_ops.DropPatternIndexes)."""

    dependencies = [("channels_intake", "0002_inbound_external_id_and_hashed_dedup_key")]

    operations = [
        DropPatternIndexes('inbounditem', ['state']),
    ]

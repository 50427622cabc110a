from django.db import migrations

from occ.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    """No pattern (_like) index on our text columns: none is searched by prefix, and each one
    cost an index entry per row written (occ.migration_ops.DropPatternIndexes)."""

    dependencies = [("privacy", "0005_merge_0004_indicator_sharing_0004_processor_register")]

    operations = [
        DropPatternIndexes('processor', ['code']),
        DropPatternIndexes('trafficrecord', ['complaint_reference']),
        DropPatternIndexes('transferrecord', ['basis', 'complaint_reference', 'delivery_id', 'hash', 'recipient']),
    ]

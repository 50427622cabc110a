from django.db import migrations

from occ.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    """No pattern (_like) index on our text columns: none is searched by prefix, and each one
    cost an index entry per row written (occ.migration_ops.DropPatternIndexes)."""

    dependencies = [("complaints", "0010_fk_indexes_covered_by_composites")]

    operations = [
        DropPatternIndexes('agency', ['code']),
        DropPatternIndexes('category', ['code']),
        DropPatternIndexes('complainant', ['email', 'phone']),
        DropPatternIndexes('complaint', ['reference', 'status']),
        DropPatternIndexes('user', ['username']),
    ]

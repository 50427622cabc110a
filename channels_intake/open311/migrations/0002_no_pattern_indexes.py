from django.db import migrations

from occ.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    """No pattern (_like) index on our text columns: none is searched by prefix, and each one
    cost an index entry per row written (occ.migration_ops.DropPatternIndexes)."""

    dependencies = [("open311", "0001_partner_apps")]

    operations = [
        DropPatternIndexes('open311request', ['token']),
        DropPatternIndexes('partnerapp', ['name']),
        DropPatternIndexes('partnerappkey', ['prefix']),
    ]

from django.db import migrations

from occ.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    """No pattern (_like) index on our text columns: none is searched by prefix, and each one
    cost an index entry per row written (occ.migration_ops.DropPatternIndexes)."""

    dependencies = [("privacy_ops", "0002_dsr_covered_complaints_and_proven_contact")]

    operations = [
        DropPatternIndexes('datasubjectrequest', ['status']),
        DropPatternIndexes('policyversion', ['version']),
        DropPatternIndexes('processingactivity', ['code']),
    ]

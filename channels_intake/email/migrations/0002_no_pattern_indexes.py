from django.db import migrations

from occ.migration_ops import DropPatternIndexes


class Migration(migrations.Migration):
    """No pattern (_like) index on our text columns: none is searched by prefix, and each one
    cost an index entry per row written (occ.migration_ops.DropPatternIndexes)."""

    dependencies = [("intake_email", "0001_email_channel")]

    operations = [
        DropPatternIndexes('acknowledgement', ['sender_hash']),
        DropPatternIndexes('replytoken', ['token_hash']),
    ]

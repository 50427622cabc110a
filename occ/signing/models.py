from django.db import models


class SignedRequestNonce(models.Model):
    """The signature of every machine request accepted; the same signed request twice is a replay.
    Rows older than twice the largest allowed clock skew are purged (a replay that old is stale
    anyway). Moved here from channels_intake.telephony (same rows: the table was renamed)."""

    digest = models.CharField(max_length=64, unique=True)
    seen_at = models.DateTimeField(auto_now_add=True, db_index=True)

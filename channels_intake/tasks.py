"""Housekeeping of what the channels store."""

from celery import shared_task

from occ import blobstore


@shared_task(name="channels_intake.tasks.blob_parts_purge", soft_time_limit=1800, time_limit=1860)
def blob_parts_purge() -> int:
    """Beat, daily: remove the temporary files of local writes whose process died mid-write
    (occ.blobstore.blob_parts_purge)."""
    return blobstore.blob_parts_purge()

from celery import shared_task
from django.conf import settings

from . import acknowledgement, sources
from .processing import open_secret


@shared_task(bind=True, autoretry_for=(OSError,), retry_backoff=True, max_retries=6)
def email_acknowledge(self, complaint_id: int, sealed: str) -> str:
    """Safe to run twice: the complaint's acknowledgement is claimed once."""
    tracking_code, token = open_secret(sealed).split("|", 1)
    return acknowledgement.acknowledgement_send(
        complaint_id=complaint_id, tracking_code=tracking_code, token=token
    )


@shared_task
def imap_poll() -> dict:
    if not settings.OCC_IMAP["HOST"]:
        return {}
    return dict(sources.imap_poll())

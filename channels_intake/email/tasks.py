from celery import shared_task
from django.conf import settings

from . import acknowledgement, sources
from .processing import open_secret


@shared_task(
    name="channels_intake.email.tasks.email_acknowledge",
    soft_time_limit=30,
    time_limit=60,
    bind=True,
    autoretry_for=(OSError,),
    retry_backoff=True,
    max_retries=6,
)
def email_acknowledge(self, complaint_id: int, sealed: str) -> str:
    """Safe to run twice: the complaint's acknowledgement is claimed once."""
    tracking_code, token = open_secret(sealed).split("|", 1)
    return acknowledgement.acknowledgement_send(
        complaint_id=complaint_id, tracking_code=tracking_code, token=token
    )


@shared_task(name="channels_intake.email.tasks.imap_poll", soft_time_limit=120, time_limit=150)
def imap_poll() -> dict:
    if not settings.OCC_IMAP["HOST"]:
        return {}
    return dict(sources.imap_poll())

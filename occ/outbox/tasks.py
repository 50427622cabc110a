from celery import shared_task

from . import relay


@shared_task(ignore_result=True)
def outbox_relay() -> int:
    """Beat: relay what is due (the backstop of the long-running relay, or the relay itself)."""
    return relay.relay_due()

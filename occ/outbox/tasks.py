from celery import shared_task

from . import relay


@shared_task(name="occ.outbox.tasks.outbox_relay", ignore_result=True, soft_time_limit=50, time_limit=60)
def outbox_relay() -> int:
    """Beat: relay what is due (the backstop of the long-running relay, or the relay itself)."""
    return relay.relay_due()

"""Thin tasks of the signing module."""

from __future__ import annotations

from celery import shared_task

from . import inbound


@shared_task(name="occ.signing.tasks.signed_request_nonces_purge", soft_time_limit=30, time_limit=60)
def signed_request_nonces_purge() -> int:
    """Beat: forget accepted signatures older than twice the largest allowed clock skew."""
    return inbound.nonces_purge()

"""Thin tasks of the privacy rules that know no case."""

from __future__ import annotations

from celery import shared_task

from .transfer_log import seal


@shared_task(name="privacy.tasks.transfer_log_seal", soft_time_limit=600, time_limit=660)
def transfer_log_seal() -> int:
    return seal().head_seq


# deploy bridge (remove in the release after the routing app's): the name this task had in complaints
@shared_task(name="complaints.tasks.transfer_log_seal", soft_time_limit=600, time_limit=660)
def transfer_log_seal_under_old_name() -> int:
    return seal().head_seq

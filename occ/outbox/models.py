"""One row per task to hand to Celery, written in the same transaction as the work that asks for it."""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from occ.rows import rows_insert


class OutboxMessage(models.Model):
    """A task waiting for the relay (occ.outbox.relay). Deleted once the broker has taken it."""

    task = models.CharField(max_length=200)  # dotted name of a Celery task (its module path)
    args = models.JSONField(default=list, blank=True)  # ids and sealed values only, never personal data
    created_at = models.DateTimeField(default=timezone.now)
    available_at = models.DateTimeField(default=timezone.now)  # back-off after a failed publish
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.CharField(max_length=200, blank=True)  # the exception's class name only
    # the request that asked for the work, so the task's log lines name it (no personal value)
    request_id = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["available_at", "id"], name="outbox_due_idx")]

    def __str__(self) -> str:
        return f"{self.task}{tuple(self.args)}"


def outbox_row_add(task: str, args: list, request_id: str, using: str) -> OutboxMessage:
    """Write one outbox row (occ.outbox.enqueue): save()'s INSERT with its text built once
    (occ.rows); inside an ``occ.rows.rows_together()`` block written with the block's other rows
    at its end, so its ``pk`` is set only then."""
    row = OutboxMessage(task=task, args=args, request_id=request_id)
    rows_insert([row], using=using, later=True)
    return row

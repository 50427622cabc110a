"""Transactional outbox: no broker call inside a request or an intake transaction.

Code that wants a task run writes ``outbox.enqueue(task, *ids)`` inside its own transaction; the
row commits (or rolls back) with the work. The relay (``occ.outbox.relay``: the long-running
``manage.py outbox_relay`` and the beat task ``occ.outbox.tasks.outbox_relay``) claims due rows
with ``SELECT ... FOR UPDATE SKIP LOCKED`` and publishes them to Celery; a frozen or absent Redis
only delays the relay, never a citizen. When tasks run eagerly (the embedded default and the test
profile, no broker) the rows of a transaction are relayed right after its commit, in-process, so
the task still runs. Every task stays idempotent: the relay delivers at least once.

This package sits in the lowest layer (occ/): complaints, routing, privacy.ops and
channels_intake all import it; it imports none of them (tasks are named by their dotted path).
"""

from __future__ import annotations

from typing import Any

from occ.observability.logs import current_request_id

__all__ = ["eager", "enqueue", "enqueue_with", "publish", "relay_now"]


def eager() -> bool:
    """True when tasks run in this process (no broker): the embedded default and the tests."""
    from .relay import eager as _eager

    return _eager()


def publish(task: Any, args: list[Any]) -> None:
    """Hand one task to Celery now. Only the relay and its sources call this (never a request)."""
    from .relay import publish as _publish

    _publish(task_name(task), args)


def task_name(task: Any) -> str:
    return task if isinstance(task, str) else task.name


def enqueue(task: Any, *args: Any, using: str = "default") -> int | None:
    """Write one outbox row for ``task(*args)`` in the current transaction; return its id (None
    inside an ``occ.rows.rows_together()`` block: the row is written at the block's end).

    ``task`` is a Celery task or its dotted name; ``args`` must be JSON values (ids, sealed
    strings), never personal data in clear."""
    from django.db import transaction

    from . import relay
    from .models import outbox_row_add

    row = outbox_row_add(task_name(task), list(args), (current_request_id() or "")[:64], using)
    if relay.eager():
        transaction.on_commit(lambda: relay.relay_ids([row.pk], using=using), using=using, robust=True)
    return row.pk


def enqueue_with(
    sql: str, params: list[Any], tasks: list[tuple[Any, list[Any]]], *, using: str = "default"
) -> None:
    """Run the caller's own data-modifying statement ``sql`` and write an outbox row for each
    ``(task, args)`` of ``tasks``, in the current transaction and, on PostgreSQL, in ONE statement
    (``sql`` a data-modifying CTE before the rows' INSERT: one round trip). Elsewhere ``sql`` runs,
    then each row is written as ``enqueue`` writes it."""
    from django.db import transaction

    from . import relay
    from .models import OutboxMessage

    request_id = (current_request_id() or "")[:64]
    rows = [
        OutboxMessage(task=task_name(task), args=list(args), request_id=request_id) for task, args in tasks
    ]
    relay.rows_insert_with(sql, params, rows, using=using)
    if rows and relay.eager():
        pks = [row.pk for row in rows]
        transaction.on_commit(lambda: relay.relay_ids(pks, using=using), using=using, robust=True)


def relay_now() -> int:
    """Relay what is due from here (the sweeps call it after enqueueing: they run in workers or
    beat, never in a request). Returns how many rows went out."""
    from . import relay

    return relay.relay_due()

"""The relay: hand committed outbox rows to Celery, at least once, in id order.

Claims a batch of due rows with ``SELECT ... FOR UPDATE SKIP LOCKED`` (PostgreSQL; other databases
take the rows without the clause, one relay at a time), publishes each through its task's
``apply_async`` (so eager mode runs it in-process), and deletes the rows the broker took, all in
the relay's own transaction. Consecutive rows of a task that has a batch counterpart
(``OCC_OUTBOX_BATCHED``, e.g. referral deliveries) go out as one message of that task carrying
their ids (up to ``OCC_OUTBOX_BATCH_SIZE``): the broker, the worker's parent and the task's own
overhead are paid once per message, not once per delivery; each id is still delivered on its own
(its claim, its gate, its transaction). A publish that fails (broker frozen or down: the transport's socket
timeouts bound the wait) stops the batch and sets the row back by a short back-off, capped at
``OCC_OUTBOX_BACKOFF_MAX_SECONDS`` so what was queued goes out soon after the broker returns."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable
from datetime import timedelta
from functools import cache, partial
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from occ.celery import app as celery_app
from occ.observability.logs import request_id_var
from occ.rows import rows_insert

from .models import OutboxMessage

log = logging.getLogger(__name__)


def eager() -> bool:
    """True when tasks run in this process (no broker): the embedded default and the tests."""
    return bool(celery_app.conf.task_always_eager)


@cache
def _task(name: str):
    return import_string(name)


def _backoff(attempts: int) -> timedelta:
    ceiling = getattr(settings, "OCC_OUTBOX_BACKOFF_MAX_SECONDS", 5)
    return timedelta(seconds=min(ceiling, 0.5 * 2 ** max(attempts - 1, 0)))


def row_insert(row: OutboxMessage, *, using: str = "default") -> None:
    """Write one new outbox row: save()'s INSERT with its text built once (``occ.rows``)."""
    rows_insert([row], using=using)


_WITH: dict[tuple, str] = {}


def rows_insert_with(sql: str, params: list, rows: list[OutboxMessage], *, using: str = "default") -> None:
    """The caller's statement and these new outbox rows: on PostgreSQL one statement (the
    caller's a data-modifying CTE, the rows' INSERT with its text built once per shape), elsewhere
    the caller's statement, then the rows."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not rows:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
        if rows:
            rows_insert(rows, using=using)
        return
    meta = OutboxMessage._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    key = (sql, len(rows), using)
    text = _WITH.get(key)
    if text is None:
        qn: Any = connection.ops.quote_name
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        text = _WITH[key] = (
            f"WITH caller AS ({sql}) INSERT INTO {qn(meta.db_table)} "  # noqa: S608 - names from the model
            f"({', '.join(qn(f.column) for f in fields)}) VALUES {', '.join([row] * len(rows))} "
            f"RETURNING {qn(meta.pk.column)}"
        )
    values = [
        f.get_db_prep_save(f.pre_save(obj, add=True), connection=connection) for obj in rows for f in fields
    ]
    with connection.cursor() as cursor:
        cursor.execute(text, [*params, *values])
        keys = [found[0] for found in cursor.fetchall()]
    for obj, pk in zip(rows, keys, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = using


def publish(name: str, args: list) -> None:
    # No one reads an outbox task's result (its id is not kept): ignore_result spares the relay
    # the result backend's subscription per message (a round trip, and a wait on a frozen Redis)
    # and the worker its result write.
    _task(name).apply_async(args=args, retry=False, ignore_result=True)


def _publish(row: OutboxMessage) -> None:
    # the task message carries the id of the request that asked for it (logs' before_task_publish)
    token = request_id_var.set(row.request_id or None)
    try:
        publish(row.task, row.args)
    finally:
        request_id_var.reset(token)


def _batches() -> tuple[dict[str, str], int]:
    return getattr(settings, "OCC_OUTBOX_BATCHED", {}), max(1, getattr(settings, "OCC_OUTBOX_BATCH_SIZE", 1))


def _groups(rows: list[OutboxMessage]) -> list[list[OutboxMessage]]:
    """Consecutive rows of a task with a batch counterpart (settings.OCC_OUTBOX_BATCHED) and one
    argument each, up to OCC_OUTBOX_BATCH_SIZE a group; every other row a group of its own. The
    order of the rows is kept."""
    batched, size = _batches()
    groups: list[list[OutboxMessage]] = []
    for row in rows:
        last = groups[-1] if groups else None
        if (
            last is not None
            and row.task in batched
            and len(row.args) == 1
            and last[0].task == row.task
            and len(last[0].args) == 1
            and len(last) < size
        ):
            last.append(row)
        else:
            groups.append([row])
    return groups


def _publish_group(group: list[OutboxMessage]) -> None:
    """One row as it is; several as one message of the batch task: ``(ids, request ids)``, so each
    delivery still logs under the request that asked for it."""
    if len(group) == 1:
        _publish(group[0])
        return
    batched, _ = _batches()
    token = request_id_var.set(None)
    try:
        publish(batched[group[0].task], [[row.args[0] for row in group], [row.request_id for row in group]])
    finally:
        request_id_var.reset(token)


@cache
def _sources() -> list:
    """Entity rows that are their own outbox entry (settings.OCC_OUTBOX_SOURCES): callables
    ``(limit=...) -> (published, failed)``, e.g. complaints whose acknowledgement is due."""
    return [import_string(name) for name in getattr(settings, "OCC_OUTBOX_SOURCES", [])]


def relay_batch(
    *, limit: int = 200, using: str = "default", ids: Iterable[int] | None = None
) -> tuple[int, int]:
    """Relay up to ``limit`` due rows (or exactly ``ids``). Returns (published, failed)."""
    if eager():  # no broker: run each task in-process, outside this relay's transaction
        due = OutboxMessage.objects.using(using).filter(available_at__lte=timezone.now())
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        pks = list(due.order_by("id").values_list("pk", flat=True)[:limit])
        before = OutboxMessage.objects.using(using).filter(pk__in=pks).count()
        relay_ids(pks, using=using)
        left = OutboxMessage.objects.using(using).filter(pk__in=pks).count()
        return before - left, left
    published: list[int] = []
    failed = 0
    with transaction.atomic(using=using):
        rows = OutboxMessage.objects.using(using).filter(available_at__lte=timezone.now())
        if ids is not None:
            rows = rows.filter(pk__in=list(ids))
        if connections[using].features.has_select_for_update_skip_locked:
            rows = rows.select_for_update(skip_locked=True)
        for group in _groups(list(rows.order_by("id")[:limit])):
            try:
                _publish_group(group)
            except Exception as exc:  # broker away, or (eager) the task itself failed
                failed += 1
                row = group[0]  # as for one row: the first waits for its back-off, the rest stay due
                row.attempts += 1
                row.last_error = type(exc).__name__[:200]
                row.available_at = timezone.now() + _backoff(row.attempts)
                row.save(update_fields=["attempts", "last_error", "available_at"])
                log.warning("outbox row %s (%s) not relayed: %s", row.pk, row.task, type(exc).__name__)
                break  # the broker is away: the rest would wait on it too
            published += [row.pk for row in group]
        if published:
            OutboxMessage.objects.using(using).filter(pk__in=published).delete()
    return len(published), failed


def relay_ids(ids: list[int], *, using: str = "default") -> None:
    """After-commit hook of eager mode: run this transaction's tasks now, in this process and
    outside any transaction (as a worker would). Each row is claimed by deleting it; a task that
    fails puts its row back with a back-off, for the relay (or beat) to try again."""
    for pk in ids:
        row = OutboxMessage.objects.using(using).filter(pk=pk).first()
        if row is None or not OutboxMessage.objects.using(using).filter(pk=pk).delete()[0]:
            continue  # another relay took it
        try:
            _publish(row)
        except Exception as exc:
            log.warning("outbox task %s (row %s) failed in-process: %s", row.task, pk, type(exc).__name__)
            row.attempts += 1
            row.last_error = type(exc).__name__[:200]
            row.available_at = timezone.now() + _backoff(row.attempts)
            row.save(using=using, force_insert=True)


def relay_due(*, limit: int = 200, using: str = "default") -> int:
    """Relay until nothing is due or a publish fails (outbox rows, then each source); returns how
    many tasks went out."""
    total = 0
    for batch in [partial(relay_batch, using=using), *_sources()]:
        while True:
            published, failed = batch(limit=limit)
            total += published
            if failed or published < limit:
                break
        if failed:
            break  # the broker is away: the next pass tries again
    return total


def relay_forever(
    *, poll: float = 0.5, stop=lambda: False, limit: int = 200
) -> None:  # pragma: no cover - a daemon
    """The long-running relay (manage.py outbox_relay): a pass, then a pause of ``poll`` seconds
    unless a batch came back full (a backlog goes out at once). Under steady load each pass
    takes what gathered during the pause, so the passes' own queries are shared by many rows
    instead of being repeated for every one or two (a pass right after each intake)."""
    from django.db import close_old_connections

    while not stop():
        close_old_connections()
        try:
            sent = relay_due(limit=limit)
        except Exception:
            log.exception("outbox relay pass failed")
            sent = 0
        if sent < limit:
            time.sleep(poll)

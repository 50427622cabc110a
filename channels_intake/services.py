"""Store raw input first, then process it once; quarantine what cannot be processed.

Processing runs in one transaction with the item row locked: the complaint (or whatever the
processor writes) and the item's new state commit together, so a crash mid-way leaves the item
`received` and the next run processes it exactly once. Any error of a processor (a database
refusal, a bug) rolls back that item's work only and quarantines it with the reason: the run goes
on to the next item.

``inbound_ingest`` (the e-mail channel) does both in ONE transaction: the item's row is claimed
(inserted, or found by its dedup key) in the first statement, the raw file written, the processor
run and the item's state set, and all of it commits at once; when the processor fails, that
transaction rolls back and the item is stored again, settled with the reason, in its own. Nothing
is acknowledged to the source (an IMAP flag, the gateway's answer) before the item is committed,
so a crash mid-way leaves the message with its source for the next run.

Dedup keys are hashes of the channel's own id (never a cut of it: two ids sharing a long prefix
stay two items); the id itself is kept whole in ``external_id``."""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import IO, Any

from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from complaints.models import Complaint
from occ import outbox
from occ.blobstore import blob_hash, blob_name, blob_put
from occ.rows import field_values
from occ.text import safe_json, safe_line, safe_text

from .models import InboundItem
from .registry import PROCESSORS

INBOUND_PREFIX = "inbound"
log = logging.getLogger(__name__)


def dedup_digest(key: str) -> str:
    """The stored dedup key for a channel's id of any length: ``sha256:<hex>`` of the id's text."""
    if key.startswith("sha256:") and len(key) == 71:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


class Quarantine(Exception):  # noqa: N818 - it names what happens to the item
    """Raised by a processor: keep the item, mark it quarantined with this reason."""


class Ignore(Exception):  # noqa: N818
    """Raised by a processor: keep the item, take no action (auto-reply, bounce, list mail)."""


@dataclass(frozen=True)
class Processed:
    complaint: Complaint | None = None
    note: str = ""
    # outbox rows (task, args) written with the item's outcome (one statement on PostgreSQL)
    tasks: tuple[tuple[str, tuple], ...] = ()


def _new_item(
    *, channel: str, kind: str, source: str, fileobj: IO[bytes], dedup_key: str | None, metadata: dict | None
) -> InboundItem:
    """The item's row for this input, not yet saved: hashed, its key and text made safe."""
    sha256, size = blob_hash(fileobj)
    return InboundItem(
        channel=channel,
        kind=kind,
        source=safe_line(source, max_length=200),
        dedup_key=dedup_digest(dedup_key) if dedup_key else f"sha256:{sha256}",
        external_id=safe_text(dedup_key or "", max_line=0),
        sha256=sha256,
        raw=blob_name(f"{INBOUND_PREFIX}/{kind}", sha256),
        size=size,
        metadata=safe_json(metadata or {}),
    )


_CLAIM: dict[str, tuple[str, list[Any]]] = {}


def _quote_name() -> Callable[[Any], str]:
    return connection.ops.quote_name


def _claim_statement() -> tuple[str, list[Any]]:
    """One PostgreSQL statement that inserts the row unless its (kind, dedup_key) is taken, and
    otherwise returns the row that holds it: ``(created, every column...)``. Built once per
    process (so psycopg prepares it)."""
    found = _CLAIM.get(connection.alias)
    if found is None:
        meta = InboundItem._meta
        fields = [f for f in meta.concrete_fields if f is not meta.pk]
        qn = _quote_name()
        table = qn(meta.db_table)
        columns = ", ".join(qn(f.column) for f in fields)
        every = f"{qn(meta.pk.column)}, {columns}"
        kind, key = qn(meta.get_field("kind").column), qn(meta.get_field("dedup_key").column)
        values = ", ".join(["%s"] * len(fields))
        sql = (
            f"WITH new AS (INSERT INTO {table} ({columns}) VALUES ({values}) "  # noqa: S608 - names from the model
            f"ON CONFLICT ({kind}, {key}) DO NOTHING RETURNING {every}) "
            f"SELECT true, {every} FROM new UNION ALL "
            f"SELECT false, {every} FROM {table} WHERE {kind} = %s AND {key} = %s"
        )
        found = _CLAIM[connection.alias] = (sql, [meta.pk, *fields])
    return found


def _claim(item: InboundItem) -> tuple[InboundItem, bool]:
    """Insert ``item`` or find the item that holds its key, in the caller's transaction: (item,
    created). A new row stays invisible to everyone else, and its key taken, until the caller's
    transaction ends; a concurrent delivery of the same input waits for that, then finds it."""
    if connection.vendor != "postgresql":
        existing = InboundItem.objects.filter(kind=item.kind, dedup_key=item.dedup_key).first()
        if existing is not None:
            return existing, False
        try:
            with transaction.atomic():
                item.save(force_insert=True)
        except IntegrityError:  # the same item, stored by a concurrent delivery
            return InboundItem.objects.get(kind=item.kind, dedup_key=item.dedup_key), False
        return item, True
    sql, fields = _claim_statement()
    params = field_values(item, fields[1:], add=True)
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, item.kind, item.dedup_key])
        row = cursor.fetchone()
    if row is None:  # committed by a concurrent delivery while this statement waited for it
        return InboundItem.objects.get(kind=item.kind, dedup_key=item.dedup_key), False
    if row[0]:
        item.pk = row[1]
        item._state.adding = False
        item._state.db = connection.alias
        return item, True
    values = []
    for field, value in zip(fields, row[1:], strict=True):
        for convert in field.get_db_converters(connection):
            value = convert(value, None, connection)
        values.append(value)
    return InboundItem.from_db(connection.alias, [f.attname for f in fields], values), False


_FINISH: dict[str, tuple[str, list[Any]]] = {}
_FINISHED = ("state", "reason", "complaint", "processed_at", "attempts", "metadata")


def _finish(
    item: InboundItem, *, state: str, reason: str, complaint: Complaint | None, tasks: tuple = ()
) -> InboundItem:
    """Write the item's outcome (what processing changes: state, reason, complaint, time,
    attempts, metadata) in one UPDATE whose text is built once per process, with the outbox rows
    of ``tasks`` in the same statement (``outbox.enqueue_with``)."""
    item.state = state
    item.reason = reason
    item.complaint = complaint
    item.processed_at = timezone.now()
    found = _FINISH.get(connection.alias)
    if found is None:
        meta = InboundItem._meta
        fields: list[Any] = [meta.get_field(name) for name in _FINISHED]
        qn = _quote_name()
        sets = ", ".join(f"{qn(f.column)} = %s" for f in fields)
        sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s"  # noqa: S608
        found = _FINISH[connection.alias] = (sql, fields)
    sql, fields = found
    params = field_values(item, fields, add=False)
    outbox.enqueue_with(sql, [*params, item.pk], [(task, list(args)) for task, args in tasks])
    return item


def inbound_store(
    *,
    channel: str,
    kind: str,
    source: str,
    fileobj: IO[bytes],
    dedup_key: str | None = None,
    metadata: dict | None = None,
) -> tuple[InboundItem, bool]:
    """Keep the raw input (streamed to storage, hashed). Returns (item, created).

    The same dedup_key (default: the content hash) for the same kind returns the existing item.
    The key is stored as its hash and kept whole in ``external_id``; source and metadata are made
    safe text first, so storing never fails on what the input contained.

    One step: the row is inserted (or found) by its unique ``(kind, dedup_key)`` and the file is
    written only for a new row, inside the row's transaction. A concurrent delivery of the same item
    waits on the unique index and then gets this row; a failed write rolls the row back and raises,
    so there is never a row without its file, and the caller (the gateway, the mailbox) still holds
    the input to deliver again. The file is content-addressed (``occ.blobstore``): two items of the
    same bytes share it, and a file left by a rolled-back caller is the same bytes a retry stores."""
    item = _new_item(
        channel=channel, kind=kind, source=source, fileobj=fileobj, dedup_key=dedup_key, metadata=metadata
    )
    with transaction.atomic():
        item, created = _claim(item)
        if created:
            blob_put(fileobj, prefix=f"{INBOUND_PREFIX}/{kind}", sha256=item.sha256, size=item.size)
    return item, created


_PREPARED: ContextVar[Any] = ContextVar("inbound_prepared", default=None)


def inbound_prepared() -> Any:
    """For a processor: what the channel already made of the input ``inbound_ingest`` is
    processing (e-mail: the parsed message), or None (reprocessing: read the raw input)."""
    return _PREPARED.get()


def inbound_ingest(
    *,
    channel: str,
    kind: str,
    source: str,
    fileobj: IO[bytes],
    dedup_key: str | None = None,
    metadata: dict | None = None,
    prepared: Any = None,
) -> tuple[InboundItem, bool]:
    """Keep the raw input and process it once, in one transaction; returns (item, stored).

    The row is claimed as ``inbound_store`` does (the same key twice is one item), the file
    written, the kind's registered processor run (``prepared`` handed to it through
    ``inbound_prepared()``) and the item's state set; one commit. A processor's failure
    (``Quarantine``, ``Ignore``, any error) rolls all of it back and the item is then stored
    settled (quarantined or ignored, with the reason) in its own transaction: kept, never dropped,
    reprocessable. A failure to store (the file cannot be written) or a lost database raises with
    nothing kept: the caller still holds the input, and nothing was acknowledged to its source.
    An input kept before is returned as it is (stored False); one left ``received`` (by a run that
    only stored it) is processed now, as ``inbound_process`` does."""
    item = _new_item(
        channel=channel, kind=kind, source=source, fileobj=fileobj, dedup_key=dedup_key, metadata=metadata
    )
    stored = False
    try:
        with transaction.atomic():
            item, created = _claim(item)
            if created:
                blob_put(fileobj, prefix=f"{INBOUND_PREFIX}/{kind}", sha256=item.sha256, size=item.size)
                stored = True
                item.attempts = 1
                fn = PROCESSORS.get(kind)
                if fn is None:
                    raise Quarantine(f"no processor is registered for kind '{kind}'")
                token = _PREPARED.set(prepared)
                try:
                    result = fn(item)
                finally:
                    _PREPARED.reset(token)
                _finish(
                    item,
                    state=InboundItem.State.PROCESSED,
                    reason=result.note,
                    complaint=result.complaint,
                    tasks=result.tasks,
                )
    except (OperationalError, InterfaceError):
        raise  # the database went away: nothing kept, the source delivers the input again
    except Exception as exc:  # noqa: BLE001 - one item's failure never stops the channel
        if not stored:
            raise  # storing failed: nothing kept (the caller still holds the input)
        state, reason = _failure(item.pk, exc)
        return _store_settled(item, fileobj, state=state, reason=reason), True
    if not created:
        if item.state == InboundItem.State.RECEIVED:
            return inbound_process(item_id=item.pk), False
        return item, False
    return item, True


def _failure(item_id: int | None, exc: Exception) -> tuple[str, str]:
    """The state and reason an item takes when its processor raised ``exc``."""
    if isinstance(exc, Quarantine):
        return InboundItem.State.QUARANTINED, str(exc)
    if isinstance(exc, Ignore):
        return InboundItem.State.IGNORED, str(exc)
    # Only the error's type and first line: a driver's detail lines may quote personal values.
    first_line = (str(exc).splitlines() or [""])[0][:300]
    log.error("inbound item %s quarantined after %s", item_id, type(exc).__name__)
    return InboundItem.State.QUARANTINED, f"processing failed: {type(exc).__name__}: {first_line}"


def _store_settled(failed: InboundItem, fileobj: IO[bytes], *, state: str, reason: str) -> InboundItem:
    """Store again, settled, an item whose processing transaction rolled back (its file is already
    there, content-addressed). Another delivery that stored it meanwhile wins: its row is returned."""
    item = InboundItem(
        channel=failed.channel,
        kind=failed.kind,
        source=failed.source,
        dedup_key=failed.dedup_key,
        external_id=failed.external_id,
        sha256=failed.sha256,
        raw=failed.raw.name,
        size=failed.size,
        metadata=safe_json(failed.metadata or {}),
        state=state,
        reason=safe_text(reason, max_length=2000),
        attempts=1,
        processed_at=timezone.now(),
    )
    with transaction.atomic():
        item, created = _claim(item)
        if created:
            blob_put(fileobj, prefix=f"{INBOUND_PREFIX}/{item.kind}", sha256=item.sha256, size=item.size)
    return item


def inbound_process(*, item_id: int, reprocess: bool = False) -> InboundItem:
    """Run the kind's processor once. Quarantined items run again only with reprocess=True."""
    runnable = [InboundItem.State.RECEIVED] + ([InboundItem.State.QUARANTINED] if reprocess else [])
    try:
        with transaction.atomic():
            item = InboundItem.objects.select_for_update().get(pk=item_id)
            if item.state not in runnable:
                return item
            fn = PROCESSORS.get(item.kind)
            if fn is None:
                raise Quarantine(f"no processor is registered for kind '{item.kind}'")
            item.attempts += 1
            result = fn(item)
            return _finish(
                item,
                state=InboundItem.State.PROCESSED,
                reason=result.note,
                complaint=result.complaint,
                tasks=result.tasks,
            )
    except (OperationalError, InterfaceError):
        raise  # the database went away: transient, the item stays received for the next run
    except Exception as exc:  # noqa: BLE001 - one item's failure never stops the channel
        state, reason = _failure(item_id, exc)
        return _settle(item_id, state, reason)


def _settle(item_id: int, state: str, reason: str) -> InboundItem:
    with transaction.atomic():
        item = InboundItem.objects.select_for_update().get(pk=item_id)
        item.state = state
        item.reason = safe_text(reason, max_length=2000)
        item.attempts += 1
        item.processed_at = timezone.now()
        item.save(update_fields=["state", "reason", "attempts", "processed_at"])
    return item


def inbound_quarantine(*, item_id: int, reason: str) -> InboundItem:
    """Quarantine an item a channel refused before processing (too large, unreadable, ...)."""
    return _settle(item_id, InboundItem.State.QUARANTINED, reason)


def inbound_reprocess(*, item_id: int) -> InboundItem:
    return inbound_process(item_id=item_id, reprocess=True)

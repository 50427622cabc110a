"""Store raw input first, then process it once; quarantine what cannot be processed.

Processing runs in one transaction with the item row locked: the complaint (or whatever the
processor writes) and the item's new state commit together, so a crash mid-way leaves the item
`received` and the next run processes it exactly once. Any error of a processor (a database
refusal, a bug) rolls back that item's work only and quarantines it with the reason: the run goes
on to the next item.

Dedup keys are hashes of the channel's own id (never a cut of it: two ids sharing a long prefix
stay two items); the id itself is kept whole in ``external_id``."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import IO

from django.db import IntegrityError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from complaints.models import Complaint
from occ.blobstore import blob_hash, blob_name, blob_put
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
    sha256, size = blob_hash(fileobj)
    key = dedup_digest(dedup_key) if dedup_key else f"sha256:{sha256}"
    existing = InboundItem.objects.filter(kind=kind, dedup_key=key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            item = InboundItem.objects.create(
                channel=channel,
                kind=kind,
                source=safe_line(source, max_length=200),
                dedup_key=key,
                external_id=safe_text(dedup_key or "", max_line=0),
                sha256=sha256,
                raw=blob_name(f"{INBOUND_PREFIX}/{kind}", sha256),
                size=size,
                metadata=safe_json(metadata or {}),
            )
            blob_put(fileobj, prefix=f"{INBOUND_PREFIX}/{kind}", sha256=sha256, size=size)
    except IntegrityError:  # the same item, stored by a concurrent delivery
        return InboundItem.objects.get(kind=kind, dedup_key=key), False
    return item, True


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
            item.state = InboundItem.State.PROCESSED
            item.reason = result.note
            item.complaint = result.complaint
            item.processed_at = timezone.now()
            item.save()
            return item
    except Quarantine as exc:
        return _settle(item_id, InboundItem.State.QUARANTINED, str(exc))
    except Ignore as exc:
        return _settle(item_id, InboundItem.State.IGNORED, str(exc))
    except (OperationalError, InterfaceError):
        raise  # the database went away: transient, the item stays received for the next run
    except Exception as exc:  # noqa: BLE001 - one item's failure never stops the channel
        # Only the error's type and first line: a driver's detail lines may quote personal values.
        first_line = (str(exc).splitlines() or [""])[0][:300]
        log.error("inbound item %s quarantined after %s", item_id, type(exc).__name__)
        return _settle(
            item_id, InboundItem.State.QUARANTINED, f"processing failed: {type(exc).__name__}: {first_line}"
        )


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

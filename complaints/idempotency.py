"""Idempotency-Key for public writes: the same key and body give the same answer and one write,
also when the duplicates arrive at the same moment.

The first request inserts its key row inside its own transaction; a concurrent duplicate blocks
on the unique index until the first commits, then reads and replays the stored answer (or takes
the key when the first rolled back). The answer
holds the tracking code, so it is stored encrypted (Fernet) with a key derived from the
Idempotency-Key and the server secret: the database alone cannot reveal it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.fernet import MultiFernet
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from occ.errors import DomainError
from occ.signing.keys import sealing_fernet

from .models import IdempotencyRecord

KEY_MAX_LENGTH = 200


class IdempotencyMismatch(DomainError):
    """The key was used before with another body."""

    code = "idempotency_key_reused"
    status_code = 409
    message = _("This Idempotency-Key was already used with a different request body.")


class IdempotencyKeyTooLong(DomainError):
    code = "validation_error"
    status_code = 400
    message = _("Idempotency-Key is too long.")

    def api_fields(self) -> dict[str, list[str]]:
        return {"Idempotency-Key": [_("At most %(limit)s characters.") % {"limit": KEY_MAX_LENGTH}]}


class _Taken(Exception):
    pass


@dataclass(frozen=True)
class Outcome:
    status_code: int
    body: dict[str, Any]
    replayed: bool


def _fernet(key: str) -> MultiFernet:
    return sealing_fernet("idempotency", key.encode())


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _replay(record: IdempotencyRecord, key: str, request_hash: str) -> Outcome:
    if record.request_hash != request_hash:
        raise IdempotencyMismatch
    body = json.loads(_fernet(key).decrypt(bytes(record.response_encrypted)))
    return Outcome(record.status_code, body, replayed=True)


def _table() -> str:
    return connection.ops.quote_name(IdempotencyRecord._meta.db_table)


def _claim(*, scope: str, key_hash: str, request_hash: str) -> int | None:
    """Insert the key's row in the current transaction; its id, or None when the key is taken.

    One statement, ``INSERT ... ON CONFLICT DO NOTHING RETURNING id``: a duplicate that arrives
    while the first request is still at work waits here on the unique index until that request
    commits (then None: replay) or rolls back (then the row is this request's)."""
    table = _table()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (scope, key_hash, request_hash, status_code, response_encrypted, created_at) "  # noqa: S608
            "VALUES (%s, %s, %s, 0, %s, %s) ON CONFLICT DO NOTHING RETURNING id",
            [scope, key_hash, request_hash, b"", adapt(timezone.now())],
        )
        row = cursor.fetchone()
    return row[0] if row else None


def idempotent(*, scope: str, key: str, request_hash: str, work: Callable[[], tuple[int, dict]]) -> Outcome:
    """Run ``work`` once per (scope, key); ``work`` returns (status, JSON-able body). A first
    request costs two statements of its own (claim the key, store the sealed answer) in
    ``work``'s transaction; a replay costs the claim that finds the key taken and one read."""
    key_hash = _key_hash(key)
    try:
        with transaction.atomic():
            record_id = _claim(scope=scope, key_hash=key_hash, request_hash=request_hash)
            if record_id is None:
                raise _Taken
            status_code, body = work()
            sealed = _fernet(key).encrypt(json.dumps(body, default=str).encode())
            with connection.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {_table()} SET status_code = %s, response_encrypted = %s WHERE id = %s",  # noqa: S608
                    [status_code, sealed, record_id],
                )
    except _Taken:
        existing = IdempotencyRecord.objects.get(scope=scope, key_hash=key_hash)
        return _replay(existing, key, request_hash)
    return Outcome(status_code, body, replayed=False)


def idempotent_answer(
    request, *, scope: str, request_hash: Callable[[], str], work: Callable[[], tuple[int, dict]]
) -> tuple[int, dict]:
    """The one Idempotency-Key block of a write endpoint: without the header ``work`` runs as is;
    with it, once per (scope, key) and body (``request_hash()``), a replay answering the same.
    Raises IdempotencyKeyTooLong (400) or IdempotencyMismatch (409)."""
    key = request.headers.get("Idempotency-Key", "").strip()
    if not key:
        return work()
    if len(key) > KEY_MAX_LENGTH:
        raise IdempotencyKeyTooLong
    outcome = idempotent(scope=scope, key=key, request_hash=request_hash(), work=work)
    return outcome.status_code, outcome.body

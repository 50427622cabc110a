"""Idempotency-Key for public writes: the same key and body give the same answer and one write,
also when the duplicates arrive at the same moment.

The first request inserts its key row inside its own transaction; a concurrent duplicate blocks
on the unique index until the first commits, then reads and replays the stored answer. The answer
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
from django.db import IntegrityError, transaction
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


def idempotent(*, scope: str, key: str, request_hash: str, work: Callable[[], tuple[int, dict]]) -> Outcome:
    """Run ``work`` once per (scope, key); ``work`` returns (status, JSON-able body)."""
    key_hash = _key_hash(key)
    existing = IdempotencyRecord.objects.filter(scope=scope, key_hash=key_hash).first()
    if existing is not None:
        return _replay(existing, key, request_hash)
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    record = IdempotencyRecord.objects.create(
                        scope=scope,
                        key_hash=key_hash,
                        request_hash=request_hash,
                        status_code=0,
                        response_encrypted=b"",
                    )
            except IntegrityError as exc:
                raise _Taken from exc
            status_code, body = work()
            record.status_code = status_code
            record.response_encrypted = _fernet(key).encrypt(json.dumps(body, default=str).encode())
            record.save(update_fields=["status_code", "response_encrypted"])
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

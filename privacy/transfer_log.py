"""The transfer log: one append-only, hash-chained record per release of case data (each delivery
that sent bytes, each agency read) and per notice to a recipient. ``verify`` recomputes the chain and names the first broken or missing record; ``seal``
signs the chain head with the centre's Ed25519 key so an auditor can later prove nothing was
rewritten."""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, models, transaction
from django.utils import timezone

from occ.rows import rows_deferred, rows_insert, statement_later

from .models import TransferChainHead, TransferRecord, TransferSeal

GENESIS = "0" * 64
SENDER = "1212 OCC"
HASHED_FIELDS = (
    "seq",
    "at",
    "kind",
    "sender",
    "recipient",
    "complaint_reference",
    "basis",
    "basis_reference",
    "purpose",
    "data_categories",
    "fields",
    "payload_sha256",
    "actor",
    "delivery_id",
    "prev_hash",
)


# what json.dumps(doc, sort_keys=True, ensure_ascii=False, separators=(",", ":")) builds on every
# call, built once (the same encoder, so the same bytes)
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode


def record_hash(values: dict) -> str:
    doc = {k: values[k] for k in HASHED_FIELDS}
    doc["at"] = doc["at"].isoformat() if hasattr(doc["at"], "isoformat") else doc["at"]
    return hashlib.sha256(_CANONICAL(doc).encode()).hexdigest()


def transfer_append(
    *,
    kind: str,
    recipient: str,
    complaint_reference: str,
    basis: str,
    basis_reference: str,
    purpose: str,
    data_categories: list[str],
    fields: list[str],
    payload_sha256: str,
    actor: str,
    delivery_id: str,
) -> TransferRecord:
    """Append one record. A disclosure or notice already recorded for the same delivery id and the
    same bytes (a repeat of the same release under at-least-once delivery) returns the first.

    The chain head is locked and the repeat looked for in one statement, so two appends never
    fork the chain and a repeat is found under the same lock (no second record can slip in
    between); the record is one INSERT (occ.rows) and the head one UPDATE, their text built once.
    Inside an ``occ.rows.rows_together()`` block opened in the caller's transaction both are
    written at the block's end (the record's ``pk`` is set then)."""
    once = kind in (TransferRecord.Kind.DISCLOSURE, TransferRecord.Kind.NOTICE)
    connection = connections[DEFAULT_DB_ALIAS]
    with transaction.atomic(savepoint=False):
        head = _head_locked(connection, kind, str(delivery_id), payload_sha256)
        if head is None:  # a new log: the head row is written once
            TransferChainHead.objects.get_or_create(id=1)
            head = _head_locked(connection, kind, str(delivery_id), payload_sha256)
            assert head is not None
        seq, prev_hash, existing_id = head
        if once and existing_id is not None:
            return TransferRecord.objects.get(pk=existing_id)
        values = {
            "seq": seq + 1,
            "at": timezone.now(),
            "kind": kind,
            "sender": SENDER,
            "recipient": recipient,
            "complaint_reference": complaint_reference,
            "basis": basis,
            "basis_reference": basis_reference[:300],
            "purpose": purpose,
            "data_categories": list(data_categories),
            "fields": list(fields),
            "payload_sha256": payload_sha256,
            "actor": actor[:150],
            "delivery_id": str(delivery_id),
            "prev_hash": prev_hash,
        }
        values["hash"] = record_hash(values)
        record = TransferRecord(**values)
        # inside the caller's occ.rows.rows_together() block (opened in this transaction, so the
        # head stays locked until both are written): the record and the head's advance are
        # written with the block's other rows, on PostgreSQL in their one statement; else now
        later = rows_deferred()
        rows_insert([record], later=later)
        statement_later(_statements(connection)[1], [record.seq, record.hash])
        return record


_TEXTS: dict[tuple[str, bool], tuple[str, str]] = {}


def _statements_of(quote: Callable[[str], str], for_update: bool) -> tuple[str, str]:
    head, rec = TransferChainHead._meta, TransferRecord._meta

    def col(meta, name: str) -> str:
        return quote(meta.get_field(name).column)

    lock = (
        f"SELECT h.{col(head, 'seq')}, h.{col(head, 'hash')}, "  # noqa: S608 - names from the models
        f"(SELECT r.{col(rec, 'id')} FROM {quote(rec.db_table)} r WHERE r.{col(rec, 'kind')} = %s "
        f"AND r.{col(rec, 'delivery_id')} = %s AND r.{col(rec, 'payload_sha256')} = %s "
        f"ORDER BY r.{col(rec, 'seq')} LIMIT 1) "
        f"FROM {quote(head.db_table)} h WHERE h.{col(head, 'id')} = 1"
        + (" FOR UPDATE OF h" if for_update else "")
    )
    advance = (
        f"UPDATE {quote(head.db_table)} SET {col(head, 'seq')} = %s, {col(head, 'hash')} = %s "  # noqa: S608
        f"WHERE {col(head, 'id')} = 1"
    )
    return lock, advance


def _statements(connection) -> tuple[str, str]:
    """(lock the head and look for the repeat, advance the head): texts built once per database."""
    for_update = bool(connection.features.has_select_for_update)
    key = (connection.vendor, for_update)
    found = _TEXTS.get(key)
    if found is None:
        found = _TEXTS[key] = _statements_of(connection.ops.quote_name, for_update)
    return found


def _head_locked(
    connection, kind: str, delivery_id: str, payload_sha256: str
) -> tuple[int, str, int | None] | None:
    with connection.cursor() as cursor:
        cursor.execute(_statements(connection)[0], [kind, delivery_id, payload_sha256])
        row = cursor.fetchone()
    return None if row is None else (int(row[0]), row[1], row[2])


@dataclass(frozen=True)
class Verification:
    ok: bool
    checked: int
    first_bad_seq: int | None = None
    problem: str = ""


def verify(batch: int = 10000) -> Verification:
    """Walk the chain in order; memory stays flat (records in batches of ``batch``, by seq).

    The hot loop of an audit (100,000 records in well under 10 s): each batch is one plain SELECT
    of the hashed columns and each record is hashed as ``record_hash`` hashes it (the same
    canonical JSON: the same encoder over the same values). On PostgreSQL the time is read as the
    ISO text ``record_hash`` hashes (``at.isoformat()`` of the UTC time ``transfer_append``
    stamps) and the JSON lists as text, each distinct text decoded once per call (a log holds few
    distinct field lists); elsewhere the rows come back as ``values_list`` gives them."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor == "postgresql":
        rows_of = _batches_postgresql(connection, batch)
    else:
        rows_of = _batches(connection, batch)
    sha256, canonical = hashlib.sha256, _CANONICAL_SORTED
    expected_prev = GENESIS
    expected_seq = 1
    checked = 0
    for rows in rows_of:
        for seq, at, kind, sender, recipient, ref, basis, basis_ref, purpose, cats, fields, payload, actor, delivery, prev, digest in rows:  # fmt: skip
            if seq != expected_seq:
                return Verification(False, checked, expected_seq, f"record {expected_seq} is missing")
            if prev != expected_prev:
                return Verification(False, checked, seq, f"record {seq} does not link to the one before")
            # the keys in sorted order (record_hash's sort_keys=True), checked against HASHED_FIELDS below
            doc = {
                "actor": actor,
                "at": at,
                "basis": basis,
                "basis_reference": basis_ref,
                "complaint_reference": ref,
                "data_categories": cats,
                "delivery_id": delivery,
                "fields": fields,
                "kind": kind,
                "payload_sha256": payload,
                "prev_hash": prev,
                "purpose": purpose,
                "recipient": recipient,
                "sender": sender,
                "seq": seq,
            }
            if sha256(canonical(doc).encode()).hexdigest() != digest:
                return Verification(False, checked, seq, f"record {seq} was altered (hash mismatch)")
            expected_prev = digest
            expected_seq += 1
            checked += 1
    last_seq = expected_seq - 1
    head = TransferChainHead.objects.filter(id=1).first()
    if head and head.seq != last_seq:
        return Verification(
            False, checked, last_seq + 1, f"the chain head says {head.seq} records but {last_seq} are present"
        )
    return Verification(True, checked)


# the order verify() unpacks a row in and builds its document in (sorted, as record_hash sorts)
_VERIFY_COLUMNS = (*HASHED_FIELDS, "hash")
assert HASHED_FIELDS[:2] == ("seq", "at") and HASHED_FIELDS[-1] == "prev_hash"
_MISSING = object()
_SORTED_KEYS = (
    "actor",
    "at",
    "basis",
    "basis_reference",
    "complaint_reference",
    "data_categories",
    "delivery_id",
    "fields",
    "kind",
    "payload_sha256",
    "prev_hash",
    "purpose",
    "recipient",
    "sender",
    "seq",
)
assert tuple(sorted(HASHED_FIELDS)) == _SORTED_KEYS
# the document is built in sorted order, so this encoder writes what _CANONICAL writes for it
_CANONICAL_SORTED = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _batches(connection, batch: int):
    """Rows of _VERIFY_COLUMNS in seq order, as values_list gives them, ``at`` as its isoformat()."""
    last_seq = 0
    while True:
        rows = list(
            TransferRecord.objects.using(connection.alias)
            .filter(seq__gt=last_seq)
            .order_by("seq")
            .values_list(*_VERIFY_COLUMNS)[:batch]
        )
        if not rows:
            return
        yield [(r[0], r[1].isoformat() if hasattr(r[1], "isoformat") else r[1], *r[2:]) for r in rows]
        last_seq = rows[-1][0]


_VERIFY_SQL: dict[str, str] = {}


def _batches_postgresql(connection, batch: int):
    """As _batches, on PostgreSQL: ``at`` as the text ``datetime.isoformat()`` writes for the
    same instant in UTC (microseconds only when not zero, then the +00:00 offset), whatever the
    session's DateStyle or TimeZone; the JSON lists decoded as JSONField decodes them, each
    distinct text once."""
    sql = _VERIFY_SQL.get(connection.alias)
    if sql is None:
        qn, meta = connection.ops.quote_name, TransferRecord._meta
        columns = []
        for name in _VERIFY_COLUMNS:
            field = meta.get_field(name)
            assert isinstance(field, models.Field)
            col = qn(field.column)
            if name == "at":
                col = f"""to_char({col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')"""
            elif isinstance(field, models.JSONField):
                col = f"{col}::text"
            columns.append(col)
        sql = _VERIFY_SQL[connection.alias] = (
            f"SELECT {', '.join(columns)} FROM {qn(meta.db_table)} "  # noqa: S608 - names from the model
            f"WHERE {qn(meta.get_field('seq').column)} > %s ORDER BY {qn(meta.get_field('seq').column)} LIMIT %s"
        )
    cats_at, fields_at = _VERIFY_COLUMNS.index("data_categories"), _VERIFY_COLUMNS.index("fields")
    decode = TransferRecord._meta.get_field("fields").from_db_value  # type: ignore[attr-defined]
    decoded: dict[str, object] = {}
    last_seq = 0
    while True:
        with connection.cursor() as cursor:
            cursor.execute(sql, [last_seq, batch])
            rows = cursor.fetchall()
        if not rows:
            return
        out = []
        for row in rows:
            at = row[1]
            at = (at[:-7] if at.endswith(".000000") else at) + "+00:00"
            cats, fields = row[cats_at], row[fields_at]
            c = decoded.get(cats, _MISSING)
            if c is _MISSING:
                c = decode(cats, None, connection)
                if len(decoded) < 4096:
                    decoded[cats] = c
            f = decoded.get(fields, _MISSING)
            if f is _MISSING:
                f = decode(fields, None, connection)
                if len(decoded) < 4096:
                    decoded[fields] = f
            out.append((row[0], at, *row[2:cats_at], c, f, *row[fields_at + 1 :]))
        yield out
        last_seq = rows[-1][0]


def _private_key() -> Ed25519PrivateKey:
    path = Path(settings.OCC_SEAL_KEY_PATH)
    if not path.exists():
        if not settings.OCC_SEAL_KEY_AUTOCREATE:
            raise RuntimeError(f"The sealing key {path} does not exist (set OCC_SEAL_KEY_PATH).")
        path.parent.mkdir(parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        path.chmod(0o600)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(loaded, Ed25519PrivateKey)
    return loaded


def _seal_message(head_seq: int, head_hash: str, sealed_at: str) -> bytes:
    return f"occ-transfer-log|{head_seq}|{head_hash}|{sealed_at}".encode()


def seal() -> TransferSeal:
    head = TransferChainHead.objects.filter(id=1).first() or TransferChainHead(seq=0, hash=GENESIS)
    key = _private_key()
    at = timezone.now()
    signature = key.sign(_seal_message(head.seq, head.hash, at.isoformat()))
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return TransferSeal.objects.create(
        sealed_at=at,
        head_seq=head.seq,
        head_hash=head.hash,
        signature=base64.b64encode(signature).decode(),
        public_key=public.decode(),
    )


def seal_check(seal_row: TransferSeal) -> str:
    """'' when the seal is genuine and the sealed record is unchanged, else the problem."""
    public = serialization.load_pem_public_key(seal_row.public_key.encode())
    assert isinstance(public, Ed25519PublicKey)
    try:
        public.verify(
            base64.b64decode(seal_row.signature),
            _seal_message(seal_row.head_seq, seal_row.head_hash, seal_row.sealed_at.isoformat()),
        )
    except Exception:  # noqa: BLE001 - any failure means the seal is not genuine
        return f"seal of {seal_row.sealed_at.isoformat()} has an invalid signature"
    if seal_row.head_seq == 0:
        return ""
    record = TransferRecord.objects.filter(seq=seal_row.head_seq).first()
    if record is None or record.hash != seal_row.head_hash:
        return f"record {seal_row.head_seq} no longer matches the seal of {seal_row.sealed_at.isoformat()}"
    return ""

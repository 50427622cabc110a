"""Evidence of a case: files checked by content (``occ.content``), stored by hash
(``occ.blobstore``), and ``attachment_add``, the one way an Attachment row comes to be.

Every channel that brings files calls these: web/app uploads and the portal (through
``complaint_register``), e-mail attachments, the phone and fax channels (the fax file is the case's
first attachment)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.db import connection, transaction

from occ.blobstore import blob_discard, blob_put
from occ.content import ContentRejected, ContentTooLarge
from occ.content.documents import DOCUMENT_TYPES, document_check
from occ.rows import rows_insert
from occ.text import safe_line
from privacy.processors import processor_handoff

from ..models import Attachment

ALLOWED_TYPES = DOCUMENT_TYPES
EVIDENCE_PREFIX = "evidence"


class EvidenceRejected(ContentRejected):
    """A file that is not what it claims to be, or of a type the centre does not take: the content
    check's refusal (``occ.content``), answered about the ``attachments`` field."""

    field = "attachments"

    def __str__(self) -> str:
        return f"{self.filename}: {self.reason}"


class EvidenceTooLarge(EvidenceRejected, ContentTooLarge):
    """Over the size limit: the content check's 413 ``file_too_large``, about ``attachments``."""


@dataclass(frozen=True)
class CheckedFile:
    fileobj: IO[bytes]
    original_name: str
    content_type: str
    size: int
    sha256: str


def _safe_name(name: str) -> str:
    base = safe_line(os.path.basename(name or "file"), max_length=200)
    return base or "file"


def evidence_check(
    fileobj: IO[bytes], *, name: str | None = None, max_bytes: int | None = None
) -> CheckedFile:
    """Size, SHA-256, type by content and agreement with its name (``occ.content.documents``)."""
    original = _safe_name(name or getattr(fileobj, "name", "") or "file")
    limit = max_bytes if max_bytes is not None else settings.OCC["ATTACHMENT_MAX_BYTES"]
    try:
        info = document_check(fileobj, name=original, limit=limit)
    except ContentTooLarge as exc:
        raise EvidenceTooLarge(exc.filename, exc.reason) from exc
    except ContentRejected as exc:
        raise EvidenceRejected(exc.filename, exc.reason) from exc
    return CheckedFile(fileobj, original, info.content_type, info.size, info.sha256)


def evidence_store(checked: CheckedFile) -> tuple[str, bool]:
    """Store by content hash; evidence is never overwritten. Returns (name, newly_written)."""
    # object storage run by a contractor is a processor (MOST-3, KC-4); the centre's disk is not
    processor_handoff("storage", purpose="evidence_storage", data=["evidence_files"])
    blob = blob_put(checked.fileobj, prefix=EVIDENCE_PREFIX, sha256=checked.sha256, size=checked.size)
    return blob.name, blob.written


def evidence_lock(sha256s: list[str]) -> None:
    """Hold the content locks of these files until the surrounding transaction ends (PostgreSQL
    advisory locks, taken in one order so two requests never wait on each other crosswise).

    Files are stored once per content: a request attaching bytes another request has just written
    holds the lock while it attaches them and commits, and ``evidence_discard`` takes the same lock
    before it removes a file, so it waits for that request and then sees its attachment. SQLite (the
    embedded default) runs one writer at a time and has no such locks."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block or not sha256s:
        return
    with connection.cursor() as cursor:
        for sha in sorted(set(sha256s)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(sha)])


def _lock_key(sha256: str) -> int:
    # 60 bits of the content hash, with a namespace nibble so other advisory locks cannot collide
    return (0x5 << 60) | int(sha256[:15], 16)


def evidence_discard(names: list[str]) -> None:
    """Remove files this request wrote when its transaction did not commit (no orphan files).

    Another request with the same bytes may have found the file already written and attached it:
    under the content lock (``evidence_lock``, which waits for such a request to commit or roll
    back) a file an Attachment row points to is kept."""
    names = [n for n in names if n]
    if not names:
        return
    with transaction.atomic():
        evidence_lock([os.path.basename(n) for n in names])
        held = set(Attachment.objects.filter(file__in=names).values_list("file", flat=True))
        blob_discard([n for n in names if n not in held])


@dataclass(frozen=True)
class Added:
    attachment: Attachment
    written: str | None  # the file's name when this call wrote it (to discard if the caller fails)


def attachment_add(*, complaint_id: int, checked: CheckedFile) -> Added:
    """Store a checked file and attach it to the complaint: the only creator of Attachment rows.

    The file is written (once per content) before the row; a caller whose transaction then fails
    removes ``written`` (``evidence_discard``). The content lock is held from before the file is
    looked for until the caller's transaction ends. Inside a ``rows_together()`` block (the
    intake's) the row is written with the block's rows, in its one statement (``occ.rows``: the
    row ``save()`` writes); the attachment has its key from the block's end."""
    evidence_lock([checked.sha256])
    name, new = evidence_store(checked)
    attachment = Attachment(
        complaint_id=complaint_id,
        file=name,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
    )
    rows_insert([attachment], later=True)
    return Added(attachment, name if new else None)

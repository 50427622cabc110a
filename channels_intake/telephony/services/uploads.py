"""Resumable (chunked) upload of large recordings; the protocol is in docs/telephony.md.

Each chunk is its own storage object (``uploads/<session>/<offset>-<random>``), so any web
process, on any machine, can take the next chunk, and object storage (S3) works the same as a
local disk. Finalize assembles the chunks into a temporary file in 1 MB reads, then the file goes
the way a one-piece upload goes: an agent's through ``recording_add``, the PBX's through the raw
inbound store and its processor (quarantine when bad). Finalize is idempotent."""

from __future__ import annotations

import hashlib
import re
import tempfile
import uuid
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from channels_intake.models import InboundItem
from channels_intake.services import inbound_process, inbound_store
from complaints.models import Channel, Complaint
from occ.errors import DomainError

from ..media import CHUNK, MediaRejected, MediaTooLarge, safe_name
from ..models import Recording, UploadSession
from .recordings import recording_add

_SHA256 = re.compile(r"^[0-9a-f]{64}$")


class UploadConflict(DomainError):
    """The request does not fit the session's state: ``code`` and ``status_code`` shape the answer,
    ``offset`` (when known) is where the client resumes (the ``Upload-Offset`` header)."""

    status_code = 409

    def __init__(self, code: str, message, *, status_code: int = 409, offset: int | None = None, **params):
        self.offset = offset
        super().__init__(message, code=code, status_code=status_code, **params)

    def api_headers(self) -> dict[str, str]:
        return {"Upload-Offset": str(self.offset)} if self.offset is not None else {}


def upload_start(
    *,
    source: str,
    filename: str,
    total_size: int,
    content_type: str = "",
    sha256: str = "",
    complaint: Complaint | None = None,
    pbx_call_id: str = "",
    created_by=None,
) -> UploadSession:
    name = safe_name(filename, "recording")
    limit = settings.OCC_RECORDING_MAX_BYTES
    if total_size > limit:
        raise MediaTooLarge(name, f"is announced as {total_size} bytes; the limit is {limit} bytes")
    if total_size <= 0:
        raise MediaRejected(name, "is announced as empty")
    if sha256 and not _SHA256.match(sha256.lower()):
        raise MediaRejected(name, "has an announced SHA-256 that is not 64 hexadecimal digits")
    if (complaint is None) == (not pbx_call_id):
        raise ValueError("an upload session targets either a complaint (agent) or a call id (PBX)")
    return UploadSession.objects.create(
        source=source,
        filename=name,
        content_type=content_type[:100],
        total_size=total_size,
        sha256=sha256.lower(),
        complaint=complaint,
        pbx_call_id=pbx_call_id[:100],
        created_by=created_by,
        expires_at=timezone.now() + timedelta(hours=settings.OCC_UPLOAD_SESSION_HOURS),
    )


def _check_open(session: UploadSession) -> None:
    if session.state == UploadSession.State.COMPLETE:
        raise UploadConflict("upload_complete", _("This upload is already complete."))
    if session.state != UploadSession.State.OPEN:
        raise UploadConflict(
            "upload_closed",
            _("This upload is %(state)s; start a new one."),
            state=session.state,
            status_code=410 if session.state == UploadSession.State.ABORTED else 409,
        )
    if session.expires_at and session.expires_at < timezone.now():
        raise UploadConflict("upload_expired", _("This upload expired; start a new one."), status_code=410)


def upload_chunk(*, session: UploadSession, offset: int, fileobj: IO[bytes], size: int) -> UploadSession:
    """Append one chunk that starts at ``offset`` (which must be the bytes received so far)."""
    _check_open(session)
    if size <= 0:
        raise UploadConflict("empty_chunk", _("The chunk is empty."), status_code=400)
    if size > settings.OCC_UPLOAD_CHUNK_MAX_BYTES:
        raise UploadConflict(
            "chunk_too_large",
            _("A chunk may be at most %(limit)s bytes."),
            limit=settings.OCC_UPLOAD_CHUNK_MAX_BYTES,
            status_code=413,
        )
    if offset != session.received:
        raise UploadConflict(
            "offset_mismatch",
            _("The next chunk must start at byte %(received)s."),
            received=session.received,
            offset=session.received,
        )
    if offset + size > session.total_size:
        raise UploadConflict(
            "beyond_length",
            _("The chunk ends at byte %(end)s, past the announced length %(total)s."),
            end=offset + size,
            total=session.total_size,
            status_code=400,
            offset=session.received,
        )
    part = f"uploads/{session.pk}/{offset:012d}-{uuid.uuid4().hex[:12]}"
    fileobj.seek(0)
    saved = default_storage.save(part, File(fileobj, name=part.rsplit("/", 1)[1]))
    conflict: UploadConflict | None = None
    with transaction.atomic():
        locked = UploadSession.objects.select_for_update().get(pk=session.pk)
        try:
            _check_open(locked)
            if locked.received != offset:  # another request took this offset meanwhile
                raise UploadConflict(
                    "offset_mismatch",
                    _("The next chunk must start at byte %(received)s."),
                    received=locked.received,
                    offset=locked.received,
                )
        except UploadConflict as exc:
            conflict = exc
        else:
            locked.parts = [*locked.parts, [offset, size, saved]]
            locked.received = offset + size
            locked.save(update_fields=["parts", "received"])
    if conflict is not None:
        default_storage.delete(saved)
        raise conflict
    return locked


def _assemble(session: UploadSession, into: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for offset, size, name in sorted(session.parts):
        if into.tell() != offset:
            raise UploadConflict(
                "parts_inconsistent", _("The stored chunks do not line up; start a new upload.")
            )
        with default_storage.open(name, "rb") as part:
            copied = 0
            while chunk := part.read(CHUNK):
                digest.update(chunk)
                into.write(chunk)
                copied += len(chunk)
        if copied != size:
            raise UploadConflict(
                "parts_inconsistent", _("The chunk at byte %(at)s is incomplete in storage."), at=offset
            )
    into.flush()
    into.seek(0)
    return digest.hexdigest()


def _discard_parts(session: UploadSession) -> None:
    for _start, _size, name in session.parts:
        default_storage.delete(name)


def _settle(session: UploadSession, **fields) -> None:
    UploadSession.objects.filter(pk=session.pk, state=UploadSession.State.OPEN).update(**fields)


def upload_finalize(*, session: UploadSession, actor=None) -> tuple[Recording | None, InboundItem | None]:
    """Assemble, check and store. Returns (recording, inbound item). Running it again returns the
    same recording. A refused file raises MediaRejected (agent) or answers the quarantined
    inbound item (PBX: the raw file is kept with the reason)."""
    if session.state == UploadSession.State.COMPLETE:
        return session.recording, session.inbound_item
    if session.state == UploadSession.State.FAILED:
        if session.source == Recording.Source.PBX and session.inbound_item_id:
            return None, session.inbound_item
        raise MediaRejected(session.filename, session.error.removeprefix(f"{session.filename} "))
    _check_open(session)
    if session.received != session.total_size:
        raise UploadConflict(
            "upload_incomplete",
            _("%(received)s of %(total)s bytes arrived; send the rest first."),
            received=session.received,
            total=session.total_size,
            offset=session.received,
        )
    with tempfile.TemporaryFile(prefix="occ-upload-", dir=settings.FILE_UPLOAD_TEMP_DIR) as assembled:
        sha256 = _assemble(session, assembled)
        if session.sha256 and sha256 != session.sha256:
            reason = "differs from the SHA-256 announced when the upload began (a chunk was damaged?)"
            _settle(session, state=UploadSession.State.FAILED, error=f"{session.filename} {reason}")
            _discard_parts(session)
            raise MediaRejected(session.filename, reason)
        if session.source == Recording.Source.PBX:
            return _finalize_pbx(session, assembled, sha256)
        try:
            recording, _created = recording_add(
                fileobj=assembled,
                filename=session.filename,
                source=Recording.Source.AGENT,
                declared_type=session.content_type,
                complaint=session.complaint,
                uploaded_by=actor or session.created_by,
            )
        except MediaRejected as exc:
            _settle(session, state=UploadSession.State.FAILED, error=str(exc))
            _discard_parts(session)
            raise
    _settle(session, state=UploadSession.State.COMPLETE, recording=recording, completed_at=timezone.now())
    _discard_parts(session)
    return recording, None


def _finalize_pbx(session: UploadSession, assembled: IO[bytes], sha256: str):
    call_id = session.pbx_call_id
    item, created = inbound_store(
        channel=Channel.PHONE,
        kind="pbx_recording",
        source="pbx-upload-session",
        fileobj=assembled,
        dedup_key=f"{call_id}:{sha256}",
        metadata={"call_id": call_id, "filename": session.filename, "content_type": session.content_type},
    )
    if created:
        item = inbound_process(item_id=item.pk)
    recording = Recording.objects.filter(call__call_id=call_id, sha256=sha256).first()
    if item.state == InboundItem.State.QUARANTINED or recording is None:
        _settle(
            session, state=UploadSession.State.FAILED, error=item.reason or "not processed", inbound_item=item
        )
    else:
        _settle(
            session,
            state=UploadSession.State.COMPLETE,
            recording=recording,
            inbound_item=item,
            completed_at=timezone.now(),
        )
    _discard_parts(session)
    return recording, item


def upload_abort(*, session: UploadSession) -> None:
    _settle(session, state=UploadSession.State.ABORTED)
    _discard_parts(session)


def uploads_purge_expired() -> int:
    """Beat: abort sessions past their expiry and remove their chunks."""
    count = 0
    for session in UploadSession.objects.filter(
        state=UploadSession.State.OPEN, expires_at__lt=timezone.now()
    ):
        _settle(session, state=UploadSession.State.ABORTED, error="expired")
        _discard_parts(session)
        count += 1
    return count

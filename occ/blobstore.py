"""The one content-addressed file store: bytes kept under their SHA-256, written once, never changed.

Evidence, call recordings, fax page previews and raw inbound items are all stored here, through
Django's storage API (object storage in production), or on the local disk (Django's own
``FileSystemStorage``) by this module's own write: the bytes go to a new temporary file beside the
name, which is then linked to the name (``os.link`` never replaces a file), so a name never holds
part of its bytes, even when the writing process dies mid-write (its temporary file is purged
later: ``blob_parts_purge``); with the permissions and group Django's save gives and, unlike
Django's save, flushed to the disk (``OCC_BLOB_FSYNC``: the file before its link, the folder
after it) before the row that names it can commit, so a power loss cannot leave a committed row
naming bytes that were never written. A name is
``<prefix>/<first two hex digits>/<sha256><suffix>``, so a name always holds the same bytes: the
same content stored twice is one file (dedup), and nothing is ever overwritten. Files are streamed
to storage in chunks, never read whole. This module knows no case and no channel; what a file is
(and who may read it) is the business of the rows that name it."""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import FileSystemStorage, default_storage
from django.utils._os import safe_makedirs

CHUNK = 1024 * 1024
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Blob:
    name: str
    sha256: str
    size: int
    written: bool  # this call wrote the file (False: the same bytes were already stored)


def blob_hash(fileobj: IO[bytes]) -> tuple[str, int]:
    """SHA-256 and size, read 1 MB at a time; the file is left at its start."""
    digest = hashlib.sha256()
    size = 0
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    fileobj.seek(0)
    return digest.hexdigest(), size


def blob_name(prefix: str, sha256: str, suffix: str = "") -> str:
    return f"{prefix.strip('/')}/{sha256[:2]}/{sha256}{suffix}"


def _whole(name: str, size: int) -> bool:
    try:
        return default_storage.size(name) == size
    except (OSError, NotImplementedError):
        return False


def blob_put(
    fileobj: IO[bytes],
    *,
    prefix: str,
    sha256: str | None = None,
    size: int | None = None,
    suffix: str = "",
) -> Blob:
    """Store ``fileobj`` under its content hash unless those bytes are already there.

    Pass ``sha256`` and ``size`` when the caller has hashed the file already (a content check
    does); otherwise the file is read once to hash it. Never overwrites a whole copy: when two
    writers race, the second copy (saved under another name by the storage) is removed and the
    first one stands. A copy of the wrong size (a writer that died mid-way) is replaced. When the
    write fails, a partial copy is removed and the error raised: a name is never left holding part
    of its bytes."""
    if sha256 is None or size is None:
        sha256, size = blob_hash(fileobj)
    name = blob_name(prefix, sha256, suffix)
    if default_storage.__class__ is FileSystemStorage:  # the local disk: no storage API round
        return _put_local(default_storage, fileobj, name=name, sha256=sha256, size=size)
    if default_storage.exists(name):
        if _whole(name, size):
            return Blob(name, sha256, size, written=False)
        log.warning("stored file %s has the wrong size; written again", name)
        default_storage.delete(name)
    fileobj.seek(0)
    try:
        saved = default_storage.save(name, File(fileobj, name=os.path.basename(name)))
    except BaseException:
        if default_storage.exists(name) and not _whole(name, size):
            default_storage.delete(name)
        raise
    finally:
        fileobj.seek(0)
    if saved != name:  # a concurrent writer made `name` first: theirs stands, this copy goes
        default_storage.delete(saved)
        return Blob(name, sha256, size, written=False)
    return Blob(name, sha256, size, written=True)


def _size_of(path: str) -> int | None:
    try:
        return os.stat(path).st_size
    except FileNotFoundError:
        return None


# The temporary file of a local write: the name, a dot, 16 hex digits, ".part".
_PART = re.compile(r"[0-9a-f]{64}[^/]*\.[0-9a-f]{16}\.part")


def _part_name(path: str) -> str:
    return f"{path}.{secrets.token_hex(8)}.part"


def blob_parts_purge(*, older_than: timedelta = timedelta(hours=1)) -> int:
    """Remove the temporary files that local writes killed mid-way (SIGKILL, power loss) left
    beside their names. A write removes its own temporary file whatever happens in the process,
    so only a process that died leaves one; it may hold part of a citizen's file, which no row
    names, so no erasure would find it. A file is removed once unchanged for ``older_than``
    (a write in progress changes its file with every chunk). Object storage has no such files.
    Beat runs it daily (channels_intake.tasks.blob_parts_purge)."""
    storage = default_storage
    if storage.__class__ is not FileSystemStorage or not os.path.isdir(storage.location):
        return 0
    cutoff = time.time() - older_than.total_seconds()
    removed = 0
    for folder, _dirs, files in os.walk(storage.location):
        for filename in files:
            if not filename.endswith(".part") or not _PART.fullmatch(filename):
                continue
            path = os.path.join(folder, filename)
            try:
                if os.stat(path).st_mtime < cutoff:
                    os.unlink(path)
                    removed += 1
            except FileNotFoundError:  # its writer finished or another purge took it
                continue
    if removed:
        log.warning("removed %d partial files left by interrupted writes", removed)
    return removed


# What link() gives on a file system without hard links.
_NO_HARD_LINKS = {errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP}


def _missing_folders(directory: str) -> list[str]:
    """The folders of ``directory``'s path that do not exist yet, the outermost first."""
    missing = []
    while directory and not os.path.isdir(directory):
        missing.append(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    return missing[::-1]


def _fsync_folder(directory: str) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _placed(part: str, path: str, *, name: str, size: int, replace: bool) -> bool:
    """The whole temporary file ``part`` given the name ``path``: False when a concurrent writer's
    whole copy got there first and stands. ``replace``: the name holds a copy of the wrong size."""
    if not replace:
        try:
            os.link(part, path)
            return True
        except FileExistsError:  # a concurrent writer linked its copy first: it stands if whole
            if _size_of(path) == size:
                return False
        except OSError as exc:
            if exc.errno not in _NO_HARD_LINKS:
                raise
            # a volume without hard links (SMB, some FUSE mounts): an atomic rename instead, which
            # may replace a whole copy a concurrent writer renamed meanwhile with the same bytes
            # (the name is their hash), never with part of them
            os.replace(part, path)
            return True
    log.warning("stored file %s has the wrong size; written again", name)
    os.replace(part, path)
    return True


def _put_local(storage: FileSystemStorage, fileobj: IO[bytes], *, name: str, sha256: str, size: int) -> Blob:
    """``blob_put`` on the local disk: what Django's ``FileSystemStorage.save`` would store under
    ``name`` (the same directories, permissions and group), written whole to a temporary file
    beside it, flushed to the disk, then linked to the name, and the folder flushed (with
    ``OCC_BLOB_FSYNC``; new folders' entries too). ``os.link`` fails when the name exists,
    so a copy another writer linked meanwhile stands (it is whole: linked only once written); a
    copy of the wrong size (left by a writer that died mid-way before this module wrote this way)
    is replaced by an atomic rename, as is every copy on a volume without hard links."""
    path = storage.path(name)
    held = _size_of(path)
    if held == size:
        return Blob(name, sha256, size, written=False)
    part = _part_name(path)
    durable = settings.OCC_BLOB_FSYNC
    directory = os.path.dirname(path)
    try:
        out = open(part, "xb")  # noqa: SIM115 - closed below, before the link
    except FileNotFoundError:
        made = _missing_folders(directory)
        if storage.directory_permissions_mode is not None:
            safe_makedirs(directory, storage.directory_permissions_mode, exist_ok=True)
        else:
            os.makedirs(directory, exist_ok=True)
        if durable:  # the new folders' own entries, from the outermost one made
            for folder in made:
                _fsync_folder(os.path.dirname(folder))
        out = open(part, "xb")  # noqa: SIM115
    try:
        try:
            fd = out.fileno()
            if storage.file_permissions_mode is not None:
                os.fchmod(fd, storage.file_permissions_mode)
            group = os.stat(storage.location).st_gid  # Django's save: the file takes the root's group
            if os.fstat(fd).st_gid != group:
                try:
                    os.fchown(fd, -1, group)
                except PermissionError:
                    pass
            fileobj.seek(0)
            written = 0
            while chunk := fileobj.read(CHUNK):
                out.write(chunk)
                written += len(chunk)
            if durable and written == size:
                out.flush()
                os.fsync(fd)  # the bytes on the disk before the name can point at them
        finally:
            out.close()
            fileobj.seek(0)
        if written != size:  # the file changed since it was hashed: its name would not be its hash
            raise OSError(f"stored file {name}: {written} bytes read, {size} hashed")
        if not _placed(part, path, name=name, size=size, replace=held is not None):
            return Blob(name, sha256, size, written=False)
        if durable:
            _fsync_folder(directory)  # the name itself
        return Blob(name, sha256, size, written=True)
    finally:
        try:
            os.unlink(part)
        except FileNotFoundError:  # renamed to the name
            pass


def blob_open(name: str, mode: str = "rb") -> IO[bytes]:
    return default_storage.open(name, mode)


def blob_exists(name: str) -> bool:
    return bool(name) and default_storage.exists(name)


def blob_discard(names: Iterable[str]) -> None:
    """Remove stored files (those a failed request wrote, or whose last row went)."""
    for name in names:
        if name:
            default_storage.delete(name)

"""The one content-addressed store (``occ.blobstore``) and the one content check (``occ.content``).

clause: OCC-8 (evidence protected against alteration: a stored name always holds the same, whole
bytes; nothing is overwritten)."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage

from occ import blobstore
from occ.blobstore import blob_name, blob_put
from tests.test_layers import ROOT, _calls, _sources

pytestmark = pytest.mark.django_db


def test_same_bytes_are_one_file_never_overwritten():
    """clause: OCC-8"""
    data = b"evidence bytes"
    sha = hashlib.sha256(data).hexdigest()
    first = blob_put(io.BytesIO(data), prefix="evidence")
    second = blob_put(io.BytesIO(data), prefix="evidence", sha256=sha, size=len(data))
    assert first.name == second.name == f"evidence/{sha[:2]}/{sha}" == blob_name("evidence", sha)
    assert first.written and not second.written
    assert default_storage.open(first.name).read() == data
    assert blob_put(io.BytesIO(b"png"), prefix="fax-previews", suffix=".png").name.endswith(".png")


class ApiStorage(FileSystemStorage):
    """The local disk through Django's storage API (what object storage goes through): blob_put's
    own local write is for Django's FileSystemStorage itself only."""


@pytest.fixture(params=["local", "storage-api"])
def storage_kind(request, settings):
    if request.param == "storage-api":
        settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "tests.test_blobstore.ApiStorage"}}
        assert default_storage.__class__ is ApiStorage
    else:
        assert default_storage.__class__ is FileSystemStorage
    return request.param


def _folder_of(name: str) -> list[str]:
    return sorted(p.name for p in Path(default_storage.path(name)).parent.iterdir())


def test_a_racing_second_copy_is_removed_and_the_first_stands(monkeypatch, storage_kind):
    """clause: OCC-8 (never overwritten)"""
    data = b"raced"
    first = blob_put(io.BytesIO(data), prefix="inbound/x")
    # the second writer looked before the first one's file appeared
    if storage_kind == "local":
        size_of, asked = blobstore._size_of, []
        monkeypatch.setattr(blobstore, "_size_of", lambda path: size_of(path) if asked else asked.append(1))
    else:
        exists, asked = default_storage.exists, []
        monkeypatch.setattr(
            default_storage, "exists", lambda name: bool(asked) and exists(name) or asked.append(1)
        )
    again = blob_put(io.BytesIO(b"raced"), prefix="inbound/x")
    monkeypatch.undo()
    assert asked and again.name == first.name and not again.written
    assert _folder_of(first.name) == [Path(first.name).name]
    assert default_storage.open(first.name).read() == data


def test_a_copy_of_the_wrong_size_is_replaced_by_the_whole_one(monkeypatch, storage_kind):
    """A writer that died mid-way (before the local write linked whole files only) left part of
    the bytes under the name: the next put writes the whole file there."""
    data = b"y" * 3000
    name = blob_name("recordings", hashlib.sha256(data).hexdigest())
    default_storage.save(name, ContentFile(data[:10]))
    blob = blob_put(io.BytesIO(data), prefix="recordings")
    assert blob.written and default_storage.open(name).read() == data
    assert _folder_of(name) == [Path(name).name]
    if storage_kind == "local":  # ... also when the short copy appeared between the look and the link
        other = b"z" * 3000
        name = blob_name("recordings", hashlib.sha256(other).hexdigest())
        size_of, asked = blobstore._size_of, []

        def short_copy_appears(path):
            if asked:
                return size_of(path)
            asked.append(1)
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            Path(path).write_bytes(other[:5])
            return None

        monkeypatch.setattr(blobstore, "_size_of", short_copy_appears)
        assert blob_put(io.BytesIO(other), prefix="recordings").written
        assert default_storage.open(name).read() == other and _folder_of(name) == [Path(name).name]


class _FailsMidway(io.BytesIO):
    def read(self, n=-1):
        if self.tell() >= 100:
            raise OSError("disk full")
        return super().read(min(100, n if n >= 0 else 100))


def test_a_failed_write_leaves_no_partial_file(monkeypatch, storage_kind):
    """clause: OCC-8 (a name never holds part of its bytes)"""
    data = b"x" * 5000
    sha = hashlib.sha256(data).hexdigest()
    name = blob_name("recordings", sha)
    if storage_kind == "storage-api":
        save = default_storage._save

        def half_then_fail(name, content):
            save(name, ContentFile(data[:100]))
            raise OSError("disk full")

        monkeypatch.setattr(default_storage, "_save", half_then_fail)
        source: io.BytesIO = io.BytesIO(data)
    else:
        source = _FailsMidway(data)  # the bytes stop coming after 100 of them
    with pytest.raises(OSError, match="disk full"):
        blob_put(source, prefix="recordings", sha256=sha, size=len(data))
    monkeypatch.undo()
    assert not default_storage.exists(name)
    folder = Path(default_storage.path(name)).parent
    assert not folder.exists() or list(folder.iterdir()) == []  # no temporary file left either


def test_a_file_that_changed_since_it_was_hashed_is_not_stored_under_that_hash():
    """The caller hashed the file (its content check) and the file is shorter when written (a
    temporary upload truncated meanwhile): storing it would put other bytes under the hash's
    name. clause: OCC-8 (a stored name always holds the bytes of its hash)"""
    data = b"z" * 3000
    sha = hashlib.sha256(data).hexdigest()
    with pytest.raises(OSError, match="2000 bytes read, 3000 hashed"):
        blob_put(io.BytesIO(data[:2000]), prefix="evidence", sha256=sha, size=len(data))
    name = blob_name("evidence", sha)
    assert not default_storage.exists(name)
    folder = Path(default_storage.path(name)).parent
    assert not folder.exists() or list(folder.iterdir()) == []


def test_the_partial_file_of_a_writer_that_died_is_purged_once_unchanged(monkeypatch):
    """A writer killed mid-write (its own clean-up never ran) leaves its temporary file, which may
    hold part of a citizen's file that no row names; the daily purge removes it once it has not
    changed for an hour, and nothing else. clause: OCC-8 (a name never holds part of its bytes)"""
    import os
    import time

    from channels_intake import tasks

    data = b"y" * 5000
    sha = hashlib.sha256(data).hexdigest()
    name = blob_name("evidence", sha)
    monkeypatch.setattr(blobstore.os, "unlink", lambda path: None)  # the process dies: no clean-up
    with pytest.raises(OSError, match="disk full"):
        blob_put(_FailsMidway(data), prefix="evidence", sha256=sha, size=len(data))
    monkeypatch.undo()
    folder = Path(default_storage.path(name)).parent
    (left,) = list(folder.iterdir())
    assert left.name.startswith(sha) and left.name.endswith(".part") and left.stat().st_size == 100
    kept = blob_put(io.BytesIO(b"whole"), prefix="evidence")  # a whole blob beside it
    own = Path(default_storage.path("evidence/notes.part"))  # not a temporary file of ours
    own.write_bytes(b"n")
    fresh = folder / f"{sha}.{'0' * 16}.part"  # a write in progress: changed moments ago
    fresh.write_bytes(b"f")
    hour_ago = time.time() - 3601
    for path in (left, own):
        os.utime(path, (hour_ago, hour_ago))

    assert tasks.blob_parts_purge() == 1
    assert not left.exists() and fresh.exists() and own.exists()
    assert default_storage.open(kept.name).read() == b"whole"
    assert tasks.blob_parts_purge() == 0


@pytest.mark.parametrize("modes", [(None, None), (0o640, 0o750), (0o600, None)])
def test_the_local_write_stores_what_djangos_save_stores(settings, modes):
    """The same bytes under the same name, with the same permissions (FILE_UPLOAD_PERMISSIONS,
    FILE_UPLOAD_DIRECTORY_PERMISSIONS) and group as FileSystemStorage.save gives."""
    settings.FILE_UPLOAD_PERMISSIONS, settings.FILE_UPLOAD_DIRECTORY_PERMISSIONS = modes
    data = b"same bytes either way"
    sha = hashlib.sha256(data).hexdigest()
    local = blob_put(io.BytesIO(data), prefix="evidence/new/deeper")
    assert default_storage.__class__ is FileSystemStorage and local.written
    reference = "reference/new/deeper/" + sha[:2] + "/" + sha
    assert default_storage.save(reference, ContentFile(data)) == reference
    ours, theirs = Path(default_storage.path(local.name)), Path(default_storage.path(reference))
    assert ours.read_bytes() == theirs.read_bytes() == data
    assert ours.name == theirs.name == sha
    for mine, django in zip([ours, *ours.parents][:4], [theirs, *theirs.parents][:4], strict=True):
        a, b = mine.stat(), django.stat()
        assert (oct(a.st_mode), a.st_gid, a.st_uid) == (oct(b.st_mode), b.st_gid, b.st_uid), mine


def test_files_are_stored_and_checked_in_one_place_each():
    """Content-addressed files are written only by occ.blobstore (the resumable upload's scratch
    parts are not content-addressed and are removed when assembled); file types are sniffed and
    decoded only by occ.content."""
    writers, checkers = set(), set()
    for path in _sources():
        rel = str(path.relative_to(ROOT))
        for _node, func in _calls(path):
            if func in ("default_storage.save", "default_storage.delete", "storage.save"):
                writers.add(rel)
        text = path.read_text(encoding="utf-8")
        if any(
            f"import {lib}" in text or f"from {lib}" in text
            for lib in ("filetype", "pypdfium2", "mutagen", "PIL")
        ):
            checkers.add(rel)
    assert writers == {"occ/blobstore.py", "channels_intake/telephony/services/uploads.py"}, writers
    assert checkers <= {f"occ/content/{m}.py" for m in ("__init__", "audio", "fax", "documents")}, checkers
    assert blobstore.CHUNK <= 1024 * 1024  # streamed, never read whole


def test_a_local_write_is_on_the_disk_before_it_is_reported_stored(monkeypatch, settings, tmp_path):
    """The file's bytes are flushed before the name is linked to them, and the folder (the name)
    after; the new folders' own entries too: a power loss cannot leave a committed row naming
    bytes that were never written. With OCC_BLOB_FSYNC off, nothing is flushed.
    clause: OCC-8 (evidence kept)"""
    import os

    settings.MEDIA_ROOT = str(tmp_path / "media")
    synced: list[str] = []
    real = os.fsync

    def fsync(fd):
        path = os.readlink(f"/proc/self/fd/{fd}")
        synced.append(("dir " if os.path.isdir(path) else "file ") + os.path.relpath(path, tmp_path))
        real(fd)

    monkeypatch.setattr(blobstore.os, "fsync", fsync)
    data = b"recording bytes"
    sha = hashlib.sha256(data).hexdigest()
    blob = blob_put(io.BytesIO(data), prefix="recordings")
    (part,) = [s for s in synced if s.startswith("file ")]
    assert part.startswith(f"file media/recordings/{sha[:2]}/{sha}.") and part.endswith(".part")
    # the three folders made (each one's entry in its parent), the bytes, then the name
    assert synced == ["dir .", "dir media", "dir media/recordings", part, f"dir media/recordings/{sha[:2]}"]
    assert default_storage.open(blob.name).read() == data
    synced.clear()
    same_folder = next(
        b for i in range(100_000) if hashlib.sha256(b := f"other {i}".encode()).hexdigest()[:2] == sha[:2]
    )
    blob_put(io.BytesIO(same_folder), prefix="recordings")  # its folder exists: the bytes, the name
    assert [s.split(" ")[0] for s in synced] == ["file", "dir"] and synced[
        1
    ] == f"dir media/recordings/{sha[:2]}"
    synced.clear()
    settings.OCC_BLOB_FSYNC = False
    blob_put(io.BytesIO(b"third"), prefix="recordings")
    assert synced == []


def test_a_volume_without_hard_links_still_stores_whole_files(monkeypatch):
    """On a media volume whose file system has no hard links (link() refused), the whole file is
    renamed to its name instead; nothing partial, no temporary file left, and the same bytes
    stored again are one file. clause: OCC-8"""
    import errno

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(blobstore.os, "link", no_links)
    data = b"fax page"
    first = blob_put(io.BytesIO(data), prefix="fax-previews", suffix=".png")
    again = blob_put(io.BytesIO(data), prefix="fax-previews", suffix=".png")
    assert first.written and not again.written and first.name == again.name
    assert default_storage.open(first.name).read() == data
    assert _folder_of(first.name) == [first.name.rsplit("/", 1)[1]]

    def link_broken(src, dst):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(blobstore.os, "link", link_broken)
    with pytest.raises(OSError, match="Input/output"):
        blob_put(io.BytesIO(b"other bytes"), prefix="fax-previews")  # any other failure is raised

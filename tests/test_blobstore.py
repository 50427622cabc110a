"""The one content-addressed store (``occ.blobstore``) and the one content check (``occ.content``).

clause: OCC-8 (evidence protected against alteration: a stored name always holds the same, whole
bytes; nothing is overwritten)."""

import hashlib
import io
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

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


def test_a_racing_second_copy_is_removed_and_the_first_stands(monkeypatch):
    data = b"raced"
    first = blob_put(io.BytesIO(data), prefix="inbound/x")
    # the second writer checked before the first one's file appeared
    exists, asked = default_storage.exists, []
    monkeypatch.setattr(
        default_storage, "exists", lambda name: bool(asked) and exists(name) or asked.append(1)
    )
    again = blob_put(io.BytesIO(data), prefix="inbound/x")
    monkeypatch.undo()
    assert again.name == first.name and not again.written
    folder = Path(default_storage.path(first.name)).parent
    assert [p.name for p in folder.iterdir()] == [Path(first.name).name]


def test_a_failed_write_leaves_no_partial_file(monkeypatch):
    """clause: OCC-8 (a name never holds part of its bytes)"""
    data = b"x" * 5000
    save = default_storage._save

    def half_then_fail(name, content):
        save(name, ContentFile(data[:100]))
        raise OSError("disk full")

    monkeypatch.setattr(default_storage, "_save", half_then_fail)
    with pytest.raises(OSError):
        blob_put(io.BytesIO(data), prefix="recordings")
    monkeypatch.undo()
    name = blob_name("recordings", hashlib.sha256(data).hexdigest())
    assert not default_storage.exists(name)
    # and a copy cut short by a writer that died is replaced by the whole one
    save(name, ContentFile(data[:10]))
    blob = blob_put(io.BytesIO(data), prefix="recordings")
    assert blob.written and default_storage.open(name).read() == data


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

"""The one content check: files are judged by what they contain, never by their name (OCC-5, OCC-8).

Evidence (images, PDF documents), call recordings and faxes are all checked here, and nowhere
else: size limits, type sniffing, agreement of the name with the content, and a decode of what a
format's parser can decode. Every check reads the file in bounded chunks or seeks to the few
headers it needs; nothing holds a whole recording or fax in memory. A file that is empty, too
large, corrupt, truncated, mislabelled or of a kind the centre does not take raises
``ContentRejected`` (``ContentTooLarge`` for size) with a reason that names what is wrong.

This module knows no case and no channel: a channel that needs its own word for a refusal (the
telephone channel's ``MediaRejected`` is a quarantine of the raw input) translates at its edge."""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import IO

import filetype

from occ.errors import FileRefused

CHUNK = 1024 * 1024
HEAD = 8192  # bytes kept from the start of the file for type sniffing


class ContentRejected(FileRefused):
    """A file the centre refuses (a domain error: 400 ``invalid_file``, the API and the pages render
    it once). Its text, kept as a quarantine reason, is ``<name> <reason>``."""

    def __str__(self) -> str:
        return f"{self.filename} {self.reason}"


class ContentTooLarge(ContentRejected):
    status_code = 413
    code = "file_too_large"


@dataclass(frozen=True)
class Hashed:
    sha256: str
    size: int
    head: bytes = b""


def safe_name(name: str | None, default: str = "file") -> str:
    base = os.path.basename((name or "").replace("\\", "/")).replace("\x00", "").strip()
    return (base or default)[:200]


def hash_stream(fileobj: IO[bytes], *, limit: int, name: str) -> Hashed:
    """SHA-256, size and the first bytes, read 1 MB at a time; refuses an empty file or one above
    ``limit`` (a declared size above it is refused before reading)."""
    declared = getattr(fileobj, "size", None)
    if isinstance(declared, int) and declared > limit:
        raise ContentTooLarge(name, f"is {declared} bytes; the limit is {limit} bytes")
    digest = hashlib.sha256()
    size = 0
    head = b""
    fileobj.seek(0)
    while chunk := fileobj.read(CHUNK):
        if len(head) < HEAD:
            head += chunk[: HEAD - len(head)]
        size += len(chunk)
        if size > limit:
            raise ContentTooLarge(name, f"is larger than the limit of {limit} bytes")
        digest.update(chunk)
    fileobj.seek(0)
    if size == 0:
        raise ContentRejected(name, "is empty")
    return Hashed(digest.hexdigest(), size, head)


def content_named(head: bytes) -> str:
    """What the bytes look like, for error messages ('image/png', 'unrecognised data')."""
    kind = filetype.guess(head)
    if kind is not None:
        return kind.mime
    stripped = head.lstrip()[:64].lower()
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "an HTML page"
    if stripped[:1] in (b"{", b"["):
        return "JSON text"
    try:
        head[:512].decode("utf-8")
        return "plain text"
    except UnicodeDecodeError:
        return "unrecognised data"


def extension(name: str) -> str:
    return os.path.splitext(name)[1].lower()


# File-name extensions of other common kinds: a recording or fax named like one is mislabelled.
OTHER_EXTENSIONS = {
    ".png": "a PNG image",
    ".jpg": "a JPEG image",
    ".jpeg": "a JPEG image",
    ".gif": "a GIF image",
    ".webp": "a WebP image",
    ".bmp": "a bitmap image",
    ".txt": "a text file",
    ".html": "a web page",
    ".htm": "a web page",
    ".doc": "a Word document",
    ".docx": "a Word document",
    ".zip": "a ZIP archive",
    ".exe": "a program",
    ".js": "a script",
    ".flac": "FLAC audio",
    ".wma": "WMA audio",
    ".amr": "AMR audio",
    ".aif": "AIFF audio",
    ".aiff": "AIFF audio",
}

from .audio import AUDIO_FORMATS, AudioInfo, audio_inspect  # noqa: E402
from .fax import FaxInfo, fax_inspect, fax_pages_png  # noqa: E402

__all__ = [
    "AUDIO_FORMATS",
    "CHUNK",
    "AudioInfo",
    "ContentRejected",
    "ContentTooLarge",
    "FaxInfo",
    "Hashed",
    "audio_inspect",
    "content_named",
    "extension",
    "fax_inspect",
    "fax_pages_png",
    "hash_stream",
    "safe_name",
]

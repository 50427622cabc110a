"""Evidence files: checked by content (not by name), size-limited, hashed, stored by hash.

Used by every channel that brings files (web/app uploads now, e-mail attachments later).
"""

from __future__ import annotations

import hashlib
import os
import warnings
from dataclasses import dataclass

import filetype
import pypdfium2
from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from PIL import Image

from occ.errors import FileRefused
from occ.text import safe_line
from privacy.processors import processor_handoff

# detected MIME type -> file-name extensions that may claim it
ALLOWED_TYPES: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}
_CHUNK = 64 * 1024


class EvidenceRejected(FileRefused):
    """A file that is not what it claims to be, or of a type the centre does not take."""

    field = "attachments"

    def __str__(self) -> str:
        return f"{self.filename}: {self.reason}"


class EvidenceTooLarge(EvidenceRejected):
    status_code = 413
    code = "file_too_large"


@dataclass(frozen=True)
class CheckedFile:
    fileobj: File
    original_name: str
    content_type: str
    size: int
    sha256: str


def _safe_name(name: str) -> str:
    base = safe_line(os.path.basename(name or "file"), max_length=200)
    return base or "file"


def evidence_check(fileobj: File, *, name: str | None = None, max_bytes: int | None = None) -> CheckedFile:
    """Read the file once in chunks: size, SHA-256, type by content, and agreement with its name."""
    original = _safe_name(name or getattr(fileobj, "name", "") or "file")
    limit = max_bytes if max_bytes is not None else settings.OCC["ATTACHMENT_MAX_BYTES"]
    declared_size = getattr(fileobj, "size", None)
    if declared_size is not None and declared_size > limit:
        raise EvidenceTooLarge(original, f"is {declared_size} bytes; the limit is {limit} bytes")

    digest = hashlib.sha256()
    size = 0
    head = b""
    fileobj.seek(0)
    while chunk := fileobj.read(_CHUNK):
        if len(head) < 8192:
            head += chunk[: 8192 - len(head)]
        size += len(chunk)
        if size > limit:
            raise EvidenceTooLarge(original, f"is larger than the limit of {limit} bytes")
        digest.update(chunk)
    fileobj.seek(0)
    if size == 0:
        raise EvidenceRejected(original, "is empty")

    kind = filetype.guess(head)
    detected = kind.mime if kind else None
    if detected not in ALLOWED_TYPES:
        what = f"its content is {detected}" if detected else "its content is not a recognised image or PDF"
        raise EvidenceRejected(
            original, f"{what}; the centre accepts JPEG, PNG, GIF, WebP images and PDF documents"
        )
    ext = os.path.splitext(original)[1].lower()
    if ext and ext not in ALLOWED_TYPES[detected]:
        raise EvidenceRejected(original, f"is named '{ext}' but its content is {detected}")

    if detected.startswith("image/"):
        _image_check(fileobj, original, detected)
    elif detected == "application/pdf":
        _pdf_check(fileobj, original)

    return CheckedFile(fileobj, original, detected, size, digest.hexdigest())


def _image_check(fileobj: File, original: str, detected: str) -> None:
    """Opened with a pixel limit: a declared 50,000 x 50,000 PNG is refused, never decoded."""
    limit = settings.OCC.get("IMAGE_MAX_PIXELS", 40_000_000)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj) as img:
                width, height = img.size
                if width * height > limit:
                    raise EvidenceRejected(
                        original, f"is {width}x{height} pixels, more than the limit of {limit} pixels"
                    )
                img.verify()
    except EvidenceRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise EvidenceRejected(original, f"declares more pixels than the limit of {limit}") from exc
    except Exception as exc:  # noqa: BLE001 - whatever Pillow raises on hostile bytes is a refusal
        raise EvidenceRejected(original, f"is not a readable {detected} image") from exc
    finally:
        fileobj.seek(0)


def _pdf_check(fileobj: File, original: str) -> None:
    """Opened with pdfium: a PDF that does not parse, or has no page, is refused."""
    fileobj.seek(0)
    data = fileobj.read()
    fileobj.seek(0)
    try:
        pdf = pypdfium2.PdfDocument(data)
    except Exception as exc:  # noqa: BLE001 - PdfiumError, or anything pdfium makes of junk
        if "password" in str(exc).lower():
            raise EvidenceRejected(
                original, "is a password-protected PDF; the centre cannot read it"
            ) from exc
        raise EvidenceRejected(original, "is not a readable PDF document") from exc
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    if pages == 0:
        raise EvidenceRejected(original, "is a PDF without pages")


def evidence_store(checked: CheckedFile) -> tuple[str, bool]:
    """Store by content hash; evidence is never overwritten. Returns (name, newly_written)."""
    name = f"evidence/{checked.sha256[:2]}/{checked.sha256}"
    # object storage run by a contractor is a processor (MOST-3, KC-4); the centre's disk is not
    processor_handoff("storage", purpose="evidence_storage", data=["evidence_files"])
    if default_storage.exists(name):
        return name, False
    checked.fileobj.seek(0)
    saved = default_storage.save(name, checked.fileobj)
    return saved, True


def evidence_discard(names: list[str]) -> None:
    """Remove files this request wrote when its transaction did not commit (no orphan files)."""
    for name in names:
        default_storage.delete(name)

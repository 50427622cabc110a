"""Evidence documents: JPEG, PNG, GIF and WebP images and PDF documents, checked by content.

The type is sniffed from the first bytes (``filetype``); a name whose extension claims another type
is refused; an image is opened with a pixel limit and verified by Pillow, a PDF opened by PDFium
(streamed from the file, never read whole) and must have a page."""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import IO

import filetype
import pypdfium2
from django.conf import settings
from PIL import Image

from . import ContentRejected, extension, hash_stream

# detected MIME type -> file-name extensions that may claim it
DOCUMENT_TYPES: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg", ".jpe"),
    "image/png": (".png",),
    "image/gif": (".gif",),
    "image/webp": (".webp",),
    "application/pdf": (".pdf",),
}


@dataclass(frozen=True)
class DocumentInfo:
    content_type: str
    size: int
    sha256: str


def document_check(fileobj: IO[bytes], *, name: str, limit: int) -> DocumentInfo:
    """Read the file once in chunks (size, SHA-256, first bytes), then check type, name and decode."""
    hashed = hash_stream(fileobj, limit=limit, name=name)
    kind = filetype.guess(hashed.head)
    detected = kind.mime if kind else None
    if detected not in DOCUMENT_TYPES:
        what = f"its content is {detected}" if detected else "its content is not a recognised image or PDF"
        raise ContentRejected(
            name, f"{what}; the centre accepts JPEG, PNG, GIF, WebP images and PDF documents"
        )
    ext = extension(name)
    if ext and ext not in DOCUMENT_TYPES[detected]:
        raise ContentRejected(name, f"is named '{ext}' but its content is {detected}")
    if detected.startswith("image/"):
        _image_check(fileobj, name, detected)
    elif detected == "application/pdf":
        _pdf_check(fileobj, name)
    return DocumentInfo(detected, hashed.size, hashed.sha256)


def _image_check(fileobj: IO[bytes], name: str, detected: str) -> None:
    """Opened with a pixel limit: a declared 50,000 x 50,000 PNG is refused, never decoded."""
    limit = settings.OCC.get("IMAGE_MAX_PIXELS", 40_000_000)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(fileobj) as img:
                width, height = img.size
                if width * height > limit:
                    raise ContentRejected(
                        name, f"is {width}x{height} pixels, more than the limit of {limit} pixels"
                    )
                img.verify()
    except ContentRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ContentRejected(name, f"declares more pixels than the limit of {limit}") from exc
    except Exception as exc:  # noqa: BLE001 - whatever Pillow raises on hostile bytes is a refusal
        raise ContentRejected(name, f"is not a readable {detected} image") from exc
    finally:
        fileobj.seek(0)


def _pdf_check(fileobj: IO[bytes], name: str) -> None:
    """Opened with pdfium: a PDF that does not parse, or has no page, is refused."""
    fileobj.seek(0)
    try:
        pdf = pypdfium2.PdfDocument(fileobj)
    except Exception as exc:  # noqa: BLE001 - PdfiumError, or anything pdfium makes of junk
        if "password" in str(exc).lower():
            raise ContentRejected(name, "is a password-protected PDF; the centre cannot read it") from exc
        raise ContentRejected(name, "is not a readable PDF document") from exc
    finally:
        fileobj.seek(0)
    try:
        pages = len(pdf)
    finally:
        pdf.close()
        fileobj.seek(0)
    if pages == 0:
        raise ContentRejected(name, "is a PDF without pages")

"""Faxes: TIFF (multi-page Class F, G3 or G4, via Pillow with libtiff) or PDF (pypdfium2).

Every TIFF page's image data must lie inside the file (libtiff would otherwise decode a cut page
as blank paper) and must decode; a PDF must end with its trailer and open in PDFium. Previews are
rendered one page at a time, so a long fax never sits in memory as a whole."""

from __future__ import annotations

import io
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

import pypdfium2
from django.conf import settings
from PIL import Image, ImageSequence, UnidentifiedImageError

from . import OTHER_EXTENSIONS, ContentRejected, content_named, extension

TIFF_MAGIC = (b"II*\x00", b"MM\x00*")
TIFF_EXTENSIONS = (".tif", ".tiff")
PDF_EXTENSIONS = (".pdf",)
STRIP_OFFSETS, STRIP_BYTE_COUNTS, TILE_OFFSETS, TILE_BYTE_COUNTS = 273, 279, 324, 325


@dataclass(frozen=True)
class FaxInfo:
    content_type: str
    pages: int
    compression: str


def fax_inspect(fileobj: IO[bytes], *, name: str, size: int | None = None) -> FaxInfo:
    """Check a fax file and count its pages; raises ContentRejected naming what is wrong."""
    if size is None:
        fileobj.seek(0, io.SEEK_END)
        size = fileobj.tell()
    fileobj.seek(0)
    head = fileobj.read(1024)
    fileobj.seek(0)
    ext = extension(name)
    if head[:4] in TIFF_MAGIC:
        if ext in PDF_EXTENSIONS or ext in OTHER_EXTENSIONS:
            raise ContentRejected(name, f"is named '{ext}' but its content is a TIFF image")
        try:
            return _tiff(fileobj, name, size)
        finally:
            fileobj.seek(0)
    if head.startswith(b"%PDF-"):
        if ext in TIFF_EXTENSIONS or ext in OTHER_EXTENSIONS:
            raise ContentRejected(name, f"is named '{ext}' but its content is a PDF document")
        try:
            return _pdf(fileobj, name, size)
        finally:
            fileobj.seek(0)
    raise ContentRejected(name, f"is not a fax image (TIFF or PDF): its content is {content_named(head)}")


def _limits() -> tuple[int, int]:
    return settings.OCC_FAX_MAX_PAGES, settings.OCC_FAX_MAX_PAGE_PIXELS


def _tiff(fileobj: IO[bytes], name: str, size: int) -> FaxInfo:
    max_pages, max_pixels = _limits()
    compressions: list[str] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            warnings.filterwarnings("error", message="Truncated File Read")
            warnings.filterwarnings("error", message="Corrupt EXIF data")
            with Image.open(fileobj, formats=["TIFF"]) as img:
                for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
                    if number > max_pages:
                        raise ContentRejected(name, f"has more than {max_pages} pages, the limit for one fax")
                    width, height = frame.size
                    if width * height > max_pixels:
                        raise ContentRejected(
                            name,
                            f"page {number} is {width}x{height} pixels, more than the limit of {max_pixels}",
                        )
                    _tiff_data_inside(frame, number, name, size)
                    try:
                        frame.load()
                    except (
                        OSError,
                        ValueError,
                        SyntaxError,
                        Image.DecompressionBombError,
                        UserWarning,
                    ) as exc:
                        raise ContentRejected(
                            name,
                            f"is a damaged TIFF fax: page {number} cannot be decoded "
                            f"({type(exc).__name__}: {exc})"[:300],
                        ) from exc
                    compressions.append(str(frame.info.get("compression", "raw")))
    except ContentRejected:
        raise
    except UserWarning as exc:  # Pillow's warnings about short reads, raised as errors above
        detail = str(exc).strip().rstrip(".")
        raise ContentRejected(name, f"is truncated: a page directory is cut short ({detail})") from exc
    except (
        UnidentifiedImageError,
        OSError,
        ValueError,
        SyntaxError,
        EOFError,
        KeyError,
        TypeError,
        Image.DecompressionBombError,
    ) as exc:
        raise ContentRejected(name, f"is a damaged TIFF fax ({type(exc).__name__}: {exc})"[:300]) from exc
    if not compressions:
        raise ContentRejected(name, "is a TIFF without pages")
    distinct = sorted(set(compressions))
    return FaxInfo("image/tiff", len(compressions), ",".join(distinct)[:40])


def _tiff_data_inside(frame: Image.Image, number: int, name: str, size: int) -> None:
    tags = frame.tag_v2
    offsets = tags.get(STRIP_OFFSETS) or tags.get(TILE_OFFSETS)
    counts = tags.get(STRIP_BYTE_COUNTS) or tags.get(TILE_BYTE_COUNTS)
    if not offsets or not counts:
        raise ContentRejected(name, f"is a damaged TIFF fax: page {number} has no image data")
    offsets = offsets if isinstance(offsets, tuple) else (offsets,)
    counts = counts if isinstance(counts, tuple) else (counts,)
    end = max(int(o) + int(c) for o, c in zip(offsets, counts, strict=False))
    if end > size:
        raise ContentRejected(
            name,
            f"is truncated: page {number}'s image data ends at byte {end} but the file has only {size} bytes",
        )


def _pdf(fileobj: IO[bytes], name: str, size: int) -> FaxInfo:
    max_pages, _ = _limits()
    fileobj.seek(max(0, size - 1024))
    if b"%%EOF" not in fileobj.read():
        raise ContentRejected(name, "is a damaged PDF: it does not end with %%EOF (truncated?)")
    fileobj.seek(0)
    try:
        pdf = pypdfium2.PdfDocument(fileobj)
    except pypdfium2.PdfiumError as exc:
        if "password" in str(exc).lower():
            raise ContentRejected(name, "is a password-protected PDF; the centre cannot read it") from exc
        raise ContentRejected(name, f"is a damaged PDF ({exc})") from exc
    try:
        pages = len(pdf)
    finally:
        pdf.close()
    if pages == 0:
        raise ContentRejected(name, "is a PDF without pages")
    if pages > max_pages:
        raise ContentRejected(name, f"has {pages} pages, more than the limit of {max_pages} for one fax")
    return FaxInfo("application/pdf", pages, "pdf")


def _png(image: Image.Image) -> bytes:
    buf = io.BytesIO()
    image.save(buf, "PNG", compress_level=6)
    return buf.getvalue()


def fax_pages_png(
    fileobj: IO[bytes], *, content_type: str, width: int
) -> Iterator[tuple[int, bytes, int, int]]:
    """Yield (page number, PNG bytes, width, height), one page at a time, at most ``width`` wide.

    Fax resolution is often not square (204 x 98 dpi 'normal' mode): TIFF pages are stretched to
    the right proportions so the preview reads like the paper."""
    fileobj.seek(0)
    if content_type == "image/tiff":
        with Image.open(fileobj, formats=["TIFF"]) as img:
            for number, frame in enumerate(ImageSequence.Iterator(img), start=1):
                page = frame.convert("L")
                xdpi, ydpi = (frame.info.get("dpi") or (0, 0))[:2] if frame.info.get("dpi") else (0, 0)
                height = page.height * (float(xdpi) / float(ydpi)) if xdpi and ydpi else page.height
                scale = min(1.0, width / page.width)
                target = (max(1, round(page.width * scale)), max(1, round(height * scale)))
                if target != page.size:
                    page = page.resize(target, Image.Resampling.LANCZOS)
                yield number, _png(page), page.width, page.height
        return
    pdf = pypdfium2.PdfDocument(fileobj)
    try:
        for index in range(len(pdf)):
            page = pdf[index]
            try:
                image = page.render(scale=width / page.get_width()).to_pil().convert("L")
            finally:
                page.close()
            yield index + 1, _png(image), image.width, image.height
    finally:
        pdf.close()

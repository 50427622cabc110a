"""HTTP Range responses for stored recordings (RFC 9110 s.14), so a player can seek.

One byte range per request (what media players send); a request for several ranges gets the
whole file (200), which RFC 9110 allows. ``If-Range`` with the recording's ETag (its SHA-256) keeps
a resumed download consistent. Bytes are read in 256 KB pieces: from a local file by seeking, from
S3 with a ranged GET of just those bytes (django-storages' ``S3File.obj``), never the whole file."""

from __future__ import annotations

import re
from collections.abc import Iterator

from django.core.files.storage import default_storage
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header, http_date

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
PIECE = 256 * 1024


def parse_range(header: str, size: int) -> tuple[int, int] | None | bool:
    """(start, end) inclusive; None for 'no usable single range, send it all'; False for
    'unsatisfiable' (416)."""
    header = header.strip()
    if not header:
        return None
    if "," in header:
        return None
    m = _RANGE.match(header.replace(" ", ""))
    if not m or (not m.group(1) and not m.group(2)):
        return None  # a syntactically invalid Range is ignored (RFC 9110 s.14.2)
    if m.group(1):
        start = int(m.group(1))
        end = int(m.group(2)) if m.group(2) else size - 1
        if m.group(2) and end < start:
            return None
        if start >= size:
            return False
        return start, min(end, size - 1)
    suffix = int(m.group(2))
    if suffix == 0:
        return False
    return max(0, size - suffix), size - 1


def read_range(name: str, start: int, length: int) -> Iterator[bytes]:
    handle = default_storage.open(name, "rb")
    obj = getattr(handle, "obj", None)
    try:
        if obj is not None and hasattr(obj, "get"):  # S3: ask for these bytes only
            body = obj.get(Range=f"bytes={start}-{start + length - 1}")["Body"]
            yield from body.iter_chunks(PIECE)
            return
        handle.seek(start)
        remaining = length
        while remaining > 0:
            piece = handle.read(min(PIECE, remaining))
            if not piece:
                break
            remaining -= len(piece)
            yield piece
    finally:
        handle.close()


def ranged_response(
    request,
    *,
    name: str,
    size: int,
    content_type: str,
    filename: str,
    etag: str,
    last_modified: float,
    attachment: bool,
) -> HttpResponse:
    wanted = parse_range(request.headers.get("Range", ""), size)
    if_range = request.headers.get("If-Range", "").strip()
    if wanted and if_range and if_range != etag:
        wanted = None  # the client's copy is another version: send the whole file
    if wanted is False:
        response = HttpResponse(status=416)
        response["Content-Range"] = f"bytes */{size}"
        response["Accept-Ranges"] = "bytes"
        return response
    start, end = wanted if wanted else (0, size - 1)
    length = end - start + 1
    body = iter(()) if request.method == "HEAD" else read_range(name, start, length)
    response = StreamingHttpResponse(body, status=206 if wanted else 200, content_type=content_type)
    response["Content-Length"] = str(length)
    if wanted:
        response["Content-Range"] = f"bytes {start}-{end}/{size}"
    response["Accept-Ranges"] = "bytes"
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response

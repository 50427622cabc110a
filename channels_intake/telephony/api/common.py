"""Pieces shared by the telephone and fax endpoints."""

from __future__ import annotations

import hashlib
import tempfile

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers, status
from rest_framework.parsers import BaseParser
from rest_framework.response import Response

from channels_intake.models import InboundItem
from occ.api.errors import ApiError, error_body

from ..media import CHUNK

SIGNATURE_HEADERS = [
    OpenApiParameter(
        "X-OCC-Timestamp",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="Unix seconds; refused when further than OCC_MACHINE_MAX_SKEW_SECONDS from the clock",
    ),
    OpenApiParameter(
        "X-OCC-Content-SHA256",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="hex SHA-256 of the body (JSON), of the file (uploads) or of the chunk",
    ),
    OpenApiParameter(
        "X-OCC-Signature",
        str,
        OpenApiParameter.HEADER,
        required=True,
        description="sha256=<hex HMAC-SHA256>, see docs/telephony.md",
    ),
]


def content_mismatch() -> ApiError:
    return ApiError(
        status_code=400,
        code="content_hash_mismatch",
        message=_(
            "The content's SHA-256 is not the one signed in X-OCC-Content-SHA256 (damaged in "
            "transit?); nothing was stored. Send it again."
        ),
    )


def quarantined_response(item: InboundItem, *, field: str = "file") -> Response:
    """A machine's input that could not be taken: kept in quarantine, the reason named (422)."""
    response = Response(
        error_body(
            "quarantined",
            _("Kept in quarantine as inbound item %(id)s: %(reason)s.")
            % {"id": item.pk, "reason": item.reason},
            {field: [item.reason]},
        ),
        status=status.HTTP_422_UNPROCESSABLE_ENTITY,
    )
    response["X-OCC-Inbound-Id"] = str(item.pk)
    return response


def declared_length(request) -> int:
    raw = request.META.get("CONTENT_LENGTH") or ""
    if not raw.isdigit():
        raise ApiError(status_code=411, code="length_required", message=_("Send a Content-Length header."))
    return int(raw)


def refuse_oversized(request, limit: int, what: str) -> None:
    """Answer 413 before reading a body that announces itself larger than the limit."""
    length = declared_length(request)
    if length > limit:
        raise ApiError(
            status_code=413,
            code="file_too_large",
            message=_("The %(what)s is %(length)s bytes; the limit is %(limit)s bytes.")
            % {"what": what, "length": length, "limit": limit},
        )


def read_body_to_temp(request, *, limit: int):
    """Stream the raw request body into a temporary file (1 MB in memory, then disk), hashing it.
    Returns (file at position 0, size, sha256). Refuses bodies above ``limit`` and short bodies."""
    length = declared_length(request)
    if length > limit:
        raise ApiError(
            status_code=413,
            code="chunk_too_large",
            message=_("A chunk may be at most %(limit)s bytes.") % {"limit": limit},
        )
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024, dir=settings.FILE_UPLOAD_TEMP_DIR)  # noqa: SIM115 - handed to the caller
    digest = hashlib.sha256()
    size = 0
    django_request = getattr(request, "_request", request)
    while size < length:
        piece = django_request.read(min(CHUNK, length - size))
        if not piece:
            break
        digest.update(piece)
        spool.write(piece)
        size += len(piece)
    if size != length:
        spool.close()
        raise ApiError(
            status_code=400,
            code="incomplete_body",
            message=_("Content-Length announced %(length)s bytes but %(size)s arrived.")
            % {"length": length, "size": size},
        )
    spool.seek(0)
    return spool, size, digest.hexdigest()


class RawBodyParser(BaseParser):
    """Documents a raw body; views read the stream themselves (never ``request.data``)."""

    media_type = "*/*"

    def parse(self, stream, media_type=None, parser_context=None):  # pragma: no cover - never called
        raise ApiError(status_code=400, code="parse_error", message=_("Send the raw bytes as the body."))


class RecordingOut(serializers.Serializer):
    id = serializers.IntegerField()
    call_id = serializers.CharField(source="call.call_id", allow_null=True, default=None)
    complaint = serializers.SerializerMethodField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    container = serializers.CharField()
    codec = serializers.CharField()
    duration_seconds = serializers.FloatField()
    sample_rate = serializers.IntegerField()
    channels = serializers.IntegerField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    source = serializers.CharField()
    created_at = serializers.DateTimeField()
    audio_url = serializers.SerializerMethodField()

    def get_complaint(self, obj) -> str | None:
        if obj.complaint_id:
            return obj.complaint.reference
        if obj.call_id and obj.call.complaint_id:
            return obj.call.complaint.reference
        return None

    def get_audio_url(self, obj) -> str:
        return f"/api/v1/staff/recordings/{obj.pk}/audio/"

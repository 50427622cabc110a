"""The resumable upload protocol for large recordings (docs/telephony.md), for agents (token or
session) and for the telephone system (HMAC-signed, every request):

1. ``POST .../recording-uploads/`` announces the file (name, total size, optional SHA-256) and
   the complaint (agents) or call id (PBX): 201 with the session ``id`` and ``offset`` 0.
2. ``PATCH .../recording-uploads/{id}/`` with ``Upload-Offset: n`` (or ``PUT`` with
   ``Content-Range: bytes a-b/total``) and the chunk as the raw body: 200 with the new offset.
   A chunk at the wrong offset answers 409 ``offset_mismatch`` with the right one.
3. After a dropped connection, ``GET`` (or ``HEAD``) the session: ``Upload-Offset`` says where to
   resume.
4. ``POST .../recording-uploads/{id}/finalize/`` checks and stores the recording (201); again, the
   same answer. ``DELETE`` aborts. Sessions expire after ``OCC_UPLOAD_SESSION_HOURS``."""

from __future__ import annotations

import hashlib
import re

from django.conf import settings
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints.access import Can
from complaints.permissions import IsStaff
from complaints.selectors import complaint_get
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView

from .. import services
from ..models import Recording, UploadSession
from .calls import require_worker
from .common import (
    RawBodyParser,
    RecordingOut,
    content_mismatch,
    read_body_to_temp,
)

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_CONTENT_RANGE = re.compile(r"^bytes (\d+)-(\d+)/(\d+)$")
ERRORS = {
    400: ErrorResponseSerializer,
    404: ErrorResponseSerializer,
    409: ErrorResponseSerializer,
    410: ErrorResponseSerializer,
    413: ErrorResponseSerializer,
}


class UploadOut(serializers.Serializer):
    id = serializers.UUIDField()
    state = serializers.CharField()
    offset = serializers.IntegerField(source="received")
    total_size = serializers.IntegerField()
    filename = serializers.CharField()
    expires_at = serializers.DateTimeField(allow_null=True)
    chunk_max_bytes = serializers.SerializerMethodField()
    recording_id = serializers.IntegerField(allow_null=True)
    error = serializers.CharField()

    def get_chunk_max_bytes(self, obj) -> int:
        return settings.OCC_UPLOAD_CHUNK_MAX_BYTES


def _with_offset(response: Response, session: UploadSession) -> Response:
    response["Upload-Offset"] = str(session.received)
    response["Upload-Length"] = str(session.total_size)
    response["Cache-Control"] = "no-store"
    return response


def _offset_of(request, session: UploadSession) -> int:
    if request.method == "PATCH":
        raw = request.headers.get("Upload-Offset", "")
        if not raw.isdigit():
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("Send Upload-Offset: <byte offset>."),
                fields={"Upload-Offset": [_("A whole number of bytes.")]},
            )
        return int(raw)
    m = _CONTENT_RANGE.match(request.headers.get("Content-Range", "").strip())
    if not m:
        raise ApiError(
            status_code=400,
            code="validation_error",
            message=_("Send Content-Range: bytes a-b/total."),
            fields={"Content-Range": [_("bytes a-b/total")]},
        )
    start, end, total = (int(g) for g in m.groups())
    length = request.META.get("CONTENT_LENGTH", "")
    if total != session.total_size or end < start or (length.isdigit() and int(length) != end - start + 1):
        raise ApiError(
            status_code=400,
            code="validation_error",
            message=_("The Content-Range does not fit this upload or the body's length."),
            fields={"Content-Range": [_("The total is %(total)s bytes.") % {"total": session.total_size}]},
        )
    return start


class _Protocol:
    """The protocol's steps; staff and PBX views differ only in authentication and targets."""

    source = Recording.Source.AGENT

    def authenticate(
        self, request, *, content_sha256: str | None = None, fields: dict | None = None
    ) -> str | None:
        return None

    def session_of(self, request, upload_id) -> UploadSession:
        raise NotImplementedError

    def status_answer(self, request, upload_id):
        self.authenticate(request, content_sha256=EMPTY_SHA256)
        session = self.session_of(request, upload_id)
        return _with_offset(Response(UploadOut(session).data), session)

    def chunk_answer(self, request, upload_id):
        session = self.session_of(request, upload_id)
        offset = _offset_of(request, session)
        declared = self.authenticate(request, fields={"offset": offset})
        body, size, sha256 = read_body_to_temp(request, limit=settings.OCC_UPLOAD_CHUNK_MAX_BYTES)
        with body:
            if declared is not None and declared != sha256:
                raise content_mismatch()
            session = services.upload_chunk(session=session, offset=offset, fileobj=body, size=size)
        return _with_offset(Response(UploadOut(session).data), session)

    def abort_answer(self, request, upload_id):
        self.authenticate(request, content_sha256=EMPTY_SHA256)
        session = self.session_of(request, upload_id)
        services.upload_abort(session=session)
        return Response(status=status.HTTP_204_NO_CONTENT)


# --- agents ----------------------------------------------------------------------------------------


class UploadStartIn(StrictSerializer):
    reference = serializers.CharField(max_length=32, help_text="the complaint the recording is for")
    filename = serializers.CharField(max_length=255)
    total_size = serializers.IntegerField(min_value=1)
    content_type = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    sha256 = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")


class StaffUploadStartView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_recording_upload_start",
        summary="Start a resumable recording upload",
        request=UploadStartIn,
        responses={201: UploadOut, 403: ErrorResponseSerializer, **ERRORS},
    )
    def post(self, request):
        require_worker(request)
        data = UploadStartIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        complaint = complaint_get(actor=request.user, reference=v["reference"], need=Can.CASE_WORK)
        session = services.upload_start(
            source=Recording.Source.AGENT,
            filename=v["filename"],
            total_size=v["total_size"],
            content_type=v["content_type"],
            sha256=v["sha256"],
            complaint=complaint,
            created_by=request.user,
        )
        response = _with_offset(Response(UploadOut(session).data, status=status.HTTP_201_CREATED), session)
        response["Location"] = f"/api/v1/staff/recording-uploads/{session.pk}/"
        return response


class _StaffSessions(_Protocol):
    def session_of(self, request, upload_id) -> UploadSession:
        session = UploadSession.objects.filter(
            pk=upload_id, created_by=request.user, source=Recording.Source.AGENT
        ).first()
        if session is None:  # another agent's upload does not exist for this one
            raise Http404
        return session


class StaffUploadView(_StaffSessions, StaffAPIView):
    permission_classes = [IsStaff]
    parser_classes = [RawBodyParser]

    @extend_schema(operation_id="staff_recording_upload_status", responses={200: UploadOut, **ERRORS})
    def get(self, request, upload_id):
        return self.status_answer(request, upload_id)

    @extend_schema(
        operation_id="staff_recording_upload_chunk",
        request={"application/offset+octet-stream": bytes},
        parameters=[OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True)],
        responses={200: UploadOut, **ERRORS},
    )
    def patch(self, request, upload_id):
        return self.chunk_answer(request, upload_id)

    @extend_schema(
        operation_id="staff_recording_upload_chunk_range",
        request={"application/octet-stream": bytes},
        parameters=[OpenApiParameter("Content-Range", str, OpenApiParameter.HEADER, required=True)],
        responses={200: UploadOut, **ERRORS},
    )
    def put(self, request, upload_id):
        return self.chunk_answer(request, upload_id)

    @extend_schema(operation_id="staff_recording_upload_abort", responses={204: None, **ERRORS})
    def delete(self, request, upload_id):
        return self.abort_answer(request, upload_id)


class StaffUploadFinalizeView(_StaffSessions, StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_recording_upload_finalize",
        request=None,
        responses={201: RecordingOut, 200: RecordingOut, **ERRORS},
    )
    def post(self, request, upload_id):
        session = self.session_of(request, upload_id)
        require_worker(request)
        already = session.state == UploadSession.State.COMPLETE
        recording, _item = services.upload_finalize(session=session, actor=request.user)
        recording = Recording.objects.select_related("complaint", "call__complaint").get(pk=recording.pk)
        return Response(
            RecordingOut(recording).data, status=status.HTTP_200_OK if already else status.HTTP_201_CREATED
        )

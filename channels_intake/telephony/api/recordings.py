"""Recordings for agents: upload for a complaint, list, and play or download with HTTP Range.
Every playback and download is written to the access log (who, which recording, when)."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints.permissions import IsStaff
from complaints.selectors import complaint_get
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.parsers import LimitedMultiPartParser as MultiPartParser
from occ.api.strict import DownloadParams, StrictSerializer
from occ.api.views import StaffAPIView

from .. import selectors, services
from ..models import Recording
from ..serving import recording_served
from .calls import require_worker
from .common import RecordingOut, refuse_oversized


class RecordingUploadIn(StrictSerializer):  # unknown parts are refused
    file = serializers.FileField(help_text="WAV (PCM, A-law, mu-law), MP3, OGG/Opus or M4A/AAC")
    call_id = serializers.CharField(required=False, help_text="the call this recording is of (optional)")


class ComplaintRecordingsView(StaffAPIView):
    permission_classes = [IsStaff]
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="staff_recording_list",
        responses={200: RecordingOut(many=True), 404: ErrorResponseSerializer},
    )
    def get(self, request, reference: str):
        complaint = complaint_get(actor=request.user, reference=reference)
        return Response(RecordingOut(selectors.recordings_of(complaint, actor=request.user), many=True).data)

    @extend_schema(
        operation_id="staff_recording_upload",
        summary="Upload a call recording for a case",
        description="multipart/form-data, part `file`. Files above 2 MB stream to a temporary file, never to "
        "memory. For large files on unreliable links use the resumable upload.",
        request={"multipart/form-data": RecordingUploadIn},
        responses={
            201: RecordingOut,
            200: OpenApiResponse(RecordingOut, description="the same file was already on the case"),
            400: ErrorResponseSerializer,
            403: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
            413: ErrorResponseSerializer,
        },
    )
    def post(self, request, reference: str):
        complaint = complaint_get(actor=request.user, reference=reference)
        require_worker(request)
        refuse_oversized(request, settings.OCC_RECORDING_MAX_BYTES + 1024 * 1024, "upload")
        unknown = sorted(
            k for k in (*request.data.keys(), *request.FILES.keys()) if k not in ("file", "call_id")
        )
        if unknown:
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("Unknown multipart parts."),
                fields={
                    k: [_("Unknown part: send the recording in 'file' (and optionally 'call_id').")]
                    for k in unknown
                },
            )
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("The file part is missing."),
                fields={"file": [_("Send the recording in a part named 'file'.")]},
            )
        call = None
        call_id = str(request.data.get("call_id", "")).strip()
        if call_id:
            call = selectors.call_get(actor=request.user, call_id=call_id)
            call = services.call_link(actor=request.user, call=call, complaint=complaint)
        recording, created = services.recording_add(
            fileobj=upload,
            filename=upload.name,
            declared_type=upload.content_type or "",
            source=Recording.Source.AGENT,
            complaint=complaint,
            call=call,
            uploaded_by=request.user,
        )
        recording = Recording.objects.select_related("complaint", "call__complaint").get(pk=recording.pk)
        return Response(
            RecordingOut(recording).data, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK
        )


class RecordingDetailView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_recording_get", responses={200: RecordingOut, 404: ErrorResponseSerializer}
    )
    def get(self, request, pk: int):
        return Response(RecordingOut(selectors.recording_get(actor=request.user, pk=pk)).data)


class RecordingAudioView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_recording_audio",
        summary="Play (inline) or download a recording, with HTTP Range",
        description="Answers 206 with Content-Range for `Range: bytes=a-b` (also `a-` and `-n`), 416 when the "
        "range lies past the end, 200 otherwise. Each request writes an access-log entry.",
        parameters=[
            DownloadParams,
            OpenApiParameter("Range", str, OpenApiParameter.HEADER, required=False),
            OpenApiParameter("If-Range", str, OpenApiParameter.HEADER, required=False),
        ],
        responses={
            (200, "audio/*"): OpenApiTypes.BINARY,
            (206, "audio/*"): OpenApiTypes.BINARY,
            416: OpenApiResponse(description="range not satisfiable"),
            400: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
        },
    )
    def get(self, request, pk: int):
        download = DownloadParams.of(request)["download"]
        recording = selectors.recording_get(actor=request.user, pk=pk)
        return recording_served(request, recording=recording, download=download)

"""The resumable upload protocol (``uploads``) for the telephone system: HMAC-signed, every request."""

from __future__ import annotations

import hashlib

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from channels_intake.models import InboundItem
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.parsers import json_body_load
from occ.api.strict import StrictSerializer
from occ.api.views import PublicAPIView

from .. import services
from ..auth import machine_verify
from ..models import Recording, UploadSession
from .common import (
    SIGNATURE_HEADERS,
    RawBodyParser,
    RecordingOut,
    content_mismatch,
    quarantined_response,
)
from .uploads import EMPTY_SHA256, ERRORS, UploadOut, _Protocol, _with_offset


class PbxUploadStartIn(StrictSerializer):
    call_id = serializers.CharField(max_length=100)
    filename = serializers.CharField(max_length=255)
    total_size = serializers.IntegerField(min_value=1)
    content_type = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    sha256 = serializers.CharField(required=False, allow_blank=True, max_length=64, default="")


class _PbxSessions(_Protocol):
    source = Recording.Source.PBX

    def authenticate(self, request, *, content_sha256: str | None = None, fields: dict | None = None) -> str:
        declared = machine_verify(request, secrets_setting="OCC_PBX_SECRETS", fields=fields)
        if content_sha256 is not None and content_sha256 != declared:
            raise content_mismatch()
        return declared

    def session_of(self, request, upload_id) -> UploadSession:
        session = UploadSession.objects.filter(pk=upload_id, source=Recording.Source.PBX).first()
        if session is None:
            raise Http404
        return session


class PbxUploadStartView(_PbxSessions, PublicAPIView):
    parser_classes = [RawBodyParser]

    @extend_schema(
        operation_id="pbx_recording_upload_start",
        request=PbxUploadStartIn,
        parameters=SIGNATURE_HEADERS,
        responses={201: UploadOut, 401: ErrorResponseSerializer, **ERRORS},
    )
    def post(self, request):
        raw = request.body
        self.authenticate(request, content_sha256=hashlib.sha256(raw).hexdigest())
        payload = json_body_load(raw)
        data = PbxUploadStartIn(data=payload)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        session = services.upload_start(
            source=Recording.Source.PBX,
            filename=v["filename"],
            total_size=v["total_size"],
            content_type=v["content_type"],
            sha256=v["sha256"],
            pbx_call_id=v["call_id"].strip(),
        )
        response = _with_offset(Response(UploadOut(session).data, status=status.HTTP_201_CREATED), session)
        response["Location"] = f"/api/v1/telephony/recording-uploads/{session.pk}/"
        return response


class PbxUploadView(_PbxSessions, PublicAPIView):
    parser_classes = [RawBodyParser]

    @extend_schema(
        operation_id="pbx_recording_upload_status",
        parameters=SIGNATURE_HEADERS,
        responses={200: UploadOut, **ERRORS},
    )
    def get(self, request, upload_id):
        return self.status_answer(request, upload_id)

    @extend_schema(
        operation_id="pbx_recording_upload_chunk",
        request={"application/offset+octet-stream": bytes},
        parameters=[
            *SIGNATURE_HEADERS,
            OpenApiParameter("Upload-Offset", int, OpenApiParameter.HEADER, required=True),
        ],
        responses={200: UploadOut, **ERRORS},
    )
    def patch(self, request, upload_id):
        return self.chunk_answer(request, upload_id)

    @extend_schema(
        operation_id="pbx_recording_upload_chunk_range",
        request={"application/octet-stream": bytes},
        parameters=[
            *SIGNATURE_HEADERS,
            OpenApiParameter("Content-Range", str, OpenApiParameter.HEADER, required=True),
        ],
        responses={200: UploadOut, **ERRORS},
    )
    def put(self, request, upload_id):
        return self.chunk_answer(request, upload_id)

    @extend_schema(
        operation_id="pbx_recording_upload_abort",
        parameters=SIGNATURE_HEADERS,
        responses={204: None, **ERRORS},
    )
    def delete(self, request, upload_id):
        return self.abort_answer(request, upload_id)


class PbxUploadFinalizeOut(serializers.Serializer):
    inbound_id = serializers.IntegerField()
    recording = RecordingOut()


class PbxUploadFinalizeView(_PbxSessions, PublicAPIView):
    @extend_schema(
        operation_id="pbx_recording_upload_finalize",
        request=None,
        parameters=SIGNATURE_HEADERS,
        responses={
            201: PbxUploadFinalizeOut,
            200: PbxUploadFinalizeOut,
            422: ErrorResponseSerializer,
            **ERRORS,
        },
    )
    def post(self, request, upload_id):
        self.authenticate(request, content_sha256=EMPTY_SHA256)
        session = self.session_of(request, upload_id)
        already = session.state == UploadSession.State.COMPLETE
        recording, item = services.upload_finalize(session=session)
        if item is not None and (recording is None or item.state != InboundItem.State.PROCESSED):
            return quarantined_response(item)
        if recording is None or item is None:
            raise ApiError(
                status_code=409, code="upload_failed", message=session.error or _("The upload failed.")
            )
        recording = Recording.objects.select_related("complaint", "call__complaint").get(pk=recording.pk)
        return Response(
            PbxUploadFinalizeOut({"inbound_id": item.pk, "recording": recording}).data,
            status=status.HTTP_200_OK if already else status.HTTP_201_CREATED,
        )

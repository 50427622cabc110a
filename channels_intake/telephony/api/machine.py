"""Endpoints of the telephone system (PBX/CTI) and the fax gateway: HMAC-signed (see ``auth``).

Machine input is stored raw (``InboundItem``) before it is parsed; what cannot be taken is kept
in quarantine and answered 422 with the reason; a delivery retried by the sender finds the item
it already made and creates nothing new (no second call event, recording or complaint)."""

from __future__ import annotations

import hashlib
import io

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from channels_intake.models import InboundItem
from channels_intake.services import inbound_process, inbound_store
from complaints.models import Channel
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.parsers import LimitedMultiPartParser as MultiPartParser
from occ.api.strict import StrictSerializer
from occ.api.views import PublicAPIView

from ..auth import machine_verify
from ..media import hash_stream, safe_name
from ..models import Call, Recording
from ..services.calls import MAX_EVENT_BYTES, CtiEventIn
from .common import (
    SIGNATURE_HEADERS,
    RawBodyParser,
    RecordingOut,
    content_mismatch,
    quarantined_response,
    refuse_oversized,
)

ERRORS = {
    400: ErrorResponseSerializer,
    401: ErrorResponseSerializer,
    413: ErrorResponseSerializer,
    422: OpenApiResponse(ErrorResponseSerializer, description="kept in quarantine; the reason is named"),
}


def _store_and_process(
    *, kind: str, channel: str, source: str, fileobj, dedup_key: str | None, metadata: dict
) -> tuple[InboundItem, bool]:
    """Keep the raw input, then process it once. Returns (item, new): new is False when the same
    input arrived before (a retried delivery), which is answered from the item it made then."""
    item, created = inbound_store(
        channel=channel, kind=kind, source=source, fileobj=fileobj, dedup_key=dedup_key, metadata=metadata
    )
    if created or item.state == InboundItem.State.RECEIVED:
        item = inbound_process(item_id=item.pk)
    return item, created


class CallStateOut(serializers.Serializer):
    call_id = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)


class CtiEventOut(serializers.Serializer):
    applied = serializers.BooleanField(help_text="false when this event was already applied (a repeat)")
    inbound_id = serializers.IntegerField()
    call = CallStateOut()


class CtiEventView(PublicAPIView):
    parser_classes = [RawBodyParser]

    @extend_schema(
        operation_id="pbx_call_event",
        summary="A call event from the telephone system (PBX)",
        request=CtiEventIn,
        parameters=SIGNATURE_HEADERS,
        responses={201: CtiEventOut, 200: CtiEventOut, **ERRORS},
    )
    def post(self, request):
        refuse_oversized(request, MAX_EVENT_BYTES, "event")
        raw = request.body
        declared = machine_verify(request, secrets_setting="OCC_PBX_SECRETS")
        if hashlib.sha256(raw).hexdigest() != declared:
            raise content_mismatch()
        item, new = _store_and_process(
            kind="cti_event",
            channel=Channel.PHONE,
            source="pbx",
            fileobj=io.BytesIO(raw),
            dedup_key=None,
            metadata={},
        )
        if item.state != InboundItem.State.PROCESSED:
            return quarantined_response(item, field="event")
        call = Call.objects.get(call_id=item.metadata["call_id"])
        applied = bool(item.metadata.get("applied")) and new
        body = CtiEventOut({"applied": applied, "inbound_id": item.pk, "call": call}).data
        return Response(body, status=status.HTTP_201_CREATED if applied else status.HTTP_200_OK)


class PbxRecordingIn(StrictSerializer):  # unknown parts are refused (documented: additionalProperties false)
    call_id = serializers.CharField(max_length=100)
    file = serializers.FileField()


class PbxRecordingOut(serializers.Serializer):
    inbound_id = serializers.IntegerField()
    recording = RecordingOut()


class PbxRecordingView(PublicAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="pbx_recording_upload",
        summary="A call's recording from the telephone system",
        description="multipart/form-data with `call_id` and `file`; the signature covers the form fields and "
        "the file's SHA-256. A retried upload answers 200 with the recording it made the first time.",
        request={"multipart/form-data": PbxRecordingIn},
        parameters=SIGNATURE_HEADERS,
        responses={201: PbxRecordingOut, 200: PbxRecordingOut, **ERRORS},
    )
    def post(self, request):
        refuse_oversized(request, settings.OCC_RECORDING_MAX_BYTES + 1024 * 1024, "upload")
        fields = {k: str(request.data[k]) for k in request.data if k not in request.FILES}
        declared = machine_verify(request, secrets_setting="OCC_PBX_SECRETS", fields=fields)
        call_id = fields.get("call_id", "").strip()
        upload = request.FILES.get("file")
        unknown = sorted(k for k in (*fields, *request.FILES) if k not in ("call_id", "file"))
        if not call_id or upload is None or unknown:
            errors = {k: [_("Unknown field (minimum data, OCC-1).")] for k in unknown}
            errors.update({k: [_("Required.")] for k, v in (("call_id", call_id), ("file", upload)) if not v})
            raise ApiError(
                status_code=400, code="validation_error", message=_("The request has errors."), fields=errors
            )
        hashed = hash_stream(upload, limit=settings.OCC_RECORDING_MAX_BYTES, name=safe_name(upload.name))
        if hashed.sha256 != declared:
            raise content_mismatch()
        item, new = _store_and_process(
            kind="pbx_recording",
            channel=Channel.PHONE,
            source="pbx",
            fileobj=upload,
            dedup_key=f"{call_id}:{hashed.sha256}",
            metadata={
                "call_id": call_id,
                "filename": safe_name(upload.name, "recording"),
                "content_type": upload.content_type or "",
            },
        )
        if item.state != InboundItem.State.PROCESSED:
            return quarantined_response(item)
        recording = Recording.objects.select_related("call__complaint", "complaint").get(
            call__call_id=call_id, sha256=hashed.sha256
        )
        return Response(
            PbxRecordingOut({"inbound_id": item.pk, "recording": recording}).data,
            status=status.HTTP_201_CREATED if new else status.HTTP_200_OK,
        )


class FaxIn(StrictSerializer):  # unknown parts are refused
    file = serializers.FileField(help_text="TIFF (Class F, G3/G4, multi-page) or PDF")
    sender_number = serializers.CharField(required=False, help_text="the sending fax's number (CSID)")
    receiving_line = serializers.CharField(required=False, help_text="the centre's fax line that answered")
    page_count = serializers.IntegerField(required=False, help_text="pages the gateway received")
    received_at = serializers.DateTimeField(required=False)
    fax_id = serializers.CharField(
        required=False, help_text="the gateway's own id of the fax (deduplication)"
    )


class FaxReceivedOut(serializers.Serializer):
    inbound_id = serializers.IntegerField()
    reference = serializers.CharField()
    pages = serializers.IntegerField()


FAX_FIELDS = ("sender_number", "receiving_line", "page_count", "received_at", "fax_id")


class FaxGatewayView(PublicAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(
        operation_id="fax_gateway_receive",
        summary="A received fax from the fax gateway",
        description="multipart/form-data; the signature covers every form field sent and the file's SHA-256. "
        "The fax becomes a complaint (channel fax) waiting for transcription.",
        request={"multipart/form-data": FaxIn},
        parameters=SIGNATURE_HEADERS,
        responses={201: FaxReceivedOut, 200: FaxReceivedOut, **ERRORS},
    )
    def post(self, request):
        refuse_oversized(request, settings.OCC_FAX_MAX_BYTES + 1024 * 1024, "upload")
        fields = {k: str(request.data[k]) for k in request.data if k not in request.FILES}
        declared = machine_verify(request, secrets_setting="OCC_FAX_GATEWAY_SECRETS", fields=fields)
        unknown = sorted(k for k in (*fields, *request.FILES) if k not in (*FAX_FIELDS, "file"))
        upload = request.FILES.get("file")
        if upload is None or unknown:
            errors = {k: [_("Unknown field (minimum data, OCC-1).")] for k in unknown}
            if upload is None:
                errors["file"] = [_("Send the fax in a part named 'file'.")]
            raise ApiError(
                status_code=400, code="validation_error", message=_("The request has errors."), fields=errors
            )
        hashed = hash_stream(upload, limit=settings.OCC_FAX_MAX_BYTES, name=safe_name(upload.name, "fax"))
        if hashed.sha256 != declared:
            raise content_mismatch()
        fax_id = fields.get("fax_id", "").strip()
        item, new = _store_and_process(
            kind="fax",
            channel=Channel.FAX,
            source="fax-gateway",
            fileobj=upload,
            dedup_key=f"fax-gateway:{fax_id}" if fax_id else None,
            metadata={**fields, "filename": safe_name(upload.name, "fax")},
        )
        if item.state != InboundItem.State.PROCESSED or item.complaint is None:
            return quarantined_response(item)
        fax = item.complaint.fax
        return Response(
            FaxReceivedOut(
                {"inbound_id": item.pk, "reference": item.complaint.reference, "pages": fax.pages}
            ).data,
            status=status.HTTP_201_CREATED if new else status.HTTP_200_OK,
        )

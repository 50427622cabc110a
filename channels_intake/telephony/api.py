"""Telephone and fax endpoints: machine (PBX/CTI, fax gateway; HMAC-signed) and staff (agents)."""

from __future__ import annotations

import hmac
import time
from hashlib import sha256
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import FileResponse, Http404
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser, MultiPartParser
from rest_framework.response import Response

from complaints.models import Category, Channel, Complaint
from complaints.permissions import IsStaff
from complaints.selectors import complaint_get
from complaints.services import expected_response_date, incident_from
from occ import hmac_auth
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.strict import StrictSerializer
from occ.api.views import PublicAPIView, StaffAPIView
from occ.ranges import ranged_file_response
from privacy.minimum_data import normalise_phone
from privacy.services import access_log_record

from .. import services as inbound
from ..models import InboundItem
from . import selectors, services
from .media import MediaRejected
from .models import Recording


def _media_error(exc: MediaRejected) -> ApiError:
    return ApiError(status_code=413 if "larger than" in exc.reason else 400, code="invalid_media",
                    message=f"The file '{exc.filename}' {exc.reason}.", fields={"file": [f"{exc.filename}: {exc.reason}"]})


# --- machine endpoints -------------------------------------------------------------------------------

class CtiEventIn(StrictSerializer):
    call_id = serializers.CharField(max_length=100)
    event = serializers.ChoiceField(choices=["started", "answered", "ended"])
    occurred_at = serializers.DateTimeField()
    caller_number = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    called_line = serializers.CharField(required=False, allow_blank=True, max_length=40, default="")
    agent_extension = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")


class CtiEventView(PublicAPIView):
    parser_classes = [JSONParser]

    @extend_schema(operation_id="cti_event", request=CtiEventIn,
                   parameters=[OpenApiParameter("X-OCC-Timestamp", str, OpenApiParameter.HEADER, required=True),
                               OpenApiParameter("X-OCC-Signature", str, OpenApiParameter.HEADER, required=True)],
                   responses={200: dict, 201: dict, 400: ErrorResponseSerializer, 401: ErrorResponseSerializer})
    def post(self, request):
        hmac_auth.verify(request, secret=settings.OCC_PBX_SECRET, max_skew=settings.OCC_MACHINE_MAX_SKEW_SECONDS)
        data = CtiEventIn(data=request.data)
        data.is_valid(raise_exception=True)
        call, created = services.cti_event_record(**data.validated_data)
        return Response({"call_id": call.call_id, "recorded": created},
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


def _verify_file_signature(request, *, secret: str, fields: list[str]) -> str:
    """Large uploads are signed over the declared SHA-256 of the file and the form fields, so the
    server never has to hold the body to check it:
    HMAC(secret, "<timestamp>.<field1>.<field2>....<sha256>")."""
    if not secret:
        raise ApiError(status_code=503, code="not_configured", message="This machine endpoint is not configured.")
    ts = request.headers.get("X-OCC-Timestamp", "")
    signature = request.headers.get("X-OCC-Signature", "")
    declared = request.headers.get("X-OCC-Content-SHA256", "").lower()
    if not ts.isdigit() or not signature.startswith("sha256=") or len(declared) != 64:
        raise ApiError(status_code=401, code="not_authenticated",
                       message="Send X-OCC-Timestamp, X-OCC-Content-SHA256 and X-OCC-Signature.")
    if abs(time.time() - int(ts)) > settings.OCC_MACHINE_MAX_SKEW_SECONDS:
        raise ApiError(status_code=401, code="stale_request", message="The timestamp is too far from the server's clock.")
    message = ".".join([ts, *[str(request.data.get(f, "")) for f in fields], declared]).encode()
    expected = hmac.new(secret.encode(), message, sha256).hexdigest()
    if not hmac.compare_digest(expected, signature[len("sha256="):]):
        raise ApiError(status_code=401, code="bad_signature", message="The signature does not match.")
    return declared


def machine_sign(secret: str, *, fields: list[str], file_sha256: str, timestamp: int | None = None) -> dict:
    """What a PBX or fax gateway sends (used by tests, benchmarks and integration docs)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    message = ".".join([ts, *fields, file_sha256]).encode()
    return {"X-OCC-Timestamp": ts, "X-OCC-Content-SHA256": file_sha256,
            "X-OCC-Signature": "sha256=" + hmac.new(secret.encode(), message, sha256).hexdigest()}


def _store_machine_file(request, *, kind: str, channel: str, dedup: str, declared: str, metadata: dict):
    upload = request.FILES.get("file")
    if upload is None:
        raise ApiError(status_code=400, code="validation_error", message="The file part is missing.",
                       fields={"file": ["Send the file in a part named 'file'."]})
    item, created = inbound.inbound_store(channel=channel, kind=kind, source="machine", fileobj=upload,
                                          dedup_key=dedup, metadata={**metadata, "filename": upload.name})
    if created and item.sha256 != declared:
        return inbound.inbound_quarantine(item_id=item.pk, reason="the file's SHA-256 is not the one the sender "
                                                                  "signed (damaged in transit?)")
    if created:
        return inbound.inbound_process(item_id=item.pk)
    return item


def _machine_answer(item: InboundItem, payload: dict) -> Response:
    if item.state == InboundItem.State.QUARANTINED:
        return Response({"error": {"code": "quarantined", "message": item.reason,
                                   "fields": {"file": [item.reason]}}, "inbound_id": item.pk},
                        status=status.HTTP_422_UNPROCESSABLE_ENTITY)
    return Response({**payload, "inbound_id": item.pk, "state": item.state}, status=status.HTTP_201_CREATED)


class PbxRecordingView(PublicAPIView):
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="pbx_recording_upload",
                   request={"multipart/form-data": {"type": "object", "properties": {
                       "call_id": {"type": "string"}, "file": {"type": "string", "format": "binary"}}}},
                   responses={201: dict, 401: ErrorResponseSerializer, 422: ErrorResponseSerializer})
    def post(self, request):
        declared = _verify_file_signature(request, secret=settings.OCC_PBX_SECRET, fields=["call_id"])
        call_id = str(request.data.get("call_id", "")).strip()
        if not call_id:
            raise ApiError(status_code=400, code="validation_error", message="call_id is required.",
                           fields={"call_id": ["Required."]})
        item = _store_machine_file(request, kind="pbx_recording", channel=Channel.PHONE,
                                   dedup=f"{call_id}:{declared}", declared=declared, metadata={"call_id": call_id})
        rec = Recording.objects.filter(call__call_id=call_id, sha256=declared).first()
        return _machine_answer(item, {"recording_id": rec.pk if rec else None, "call_id": call_id})


class FaxGatewayView(PublicAPIView):
    parser_classes = [MultiPartParser]
    FIELDS = ["sender_number", "receiving_line", "page_count", "received_at"]

    @extend_schema(operation_id="fax_gateway_receive",
                   request={"multipart/form-data": {"type": "object", "properties": {
                       "sender_number": {"type": "string"}, "receiving_line": {"type": "string"},
                       "page_count": {"type": "integer"}, "received_at": {"type": "string", "format": "date-time"},
                       "file": {"type": "string", "format": "binary"}}}},
                   responses={201: dict, 401: ErrorResponseSerializer, 422: ErrorResponseSerializer})
    def post(self, request):
        declared = _verify_file_signature(request, secret=settings.OCC_FAX_GATEWAY_SECRET, fields=self.FIELDS)
        pages = str(request.data.get("page_count", "")).strip()
        received = str(request.data.get("received_at", "")).strip()
        if pages and not pages.isdigit():
            raise ApiError(status_code=400, code="validation_error", message="page_count must be a number.",
                           fields={"page_count": ["A whole number."]})
        if received and parse_datetime(received) is None:
            raise ApiError(status_code=400, code="validation_error", message="received_at is not a date-time.",
                           fields={"received_at": ["ISO 8601, e.g. 2026-11-23T10:00:00+07:00."]})
        item = _store_machine_file(
            request, kind="fax", channel=Channel.FAX, dedup=f"fax:{declared}", declared=declared,
            metadata={"sender_number": str(request.data.get("sender_number", "")),
                      "receiving_line": str(request.data.get("receiving_line", "")),
                      "page_count": int(pages) if pages else None, "received_at": received or None})
        complaint = item.complaint
        return _machine_answer(item, {"reference": complaint.reference if complaint else None})


# --- staff endpoints ----------------------------------------------------------------------------------

class PhoneComplaintIn(StrictSerializer):
    caller_number = serializers.CharField(max_length=40)
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True))
    description = serializers.CharField(max_length=10000)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    call_id = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    incident = serializers.DictField(required=False, default=dict)


class PhoneComplaintView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_phone_complaint_file", request=PhoneComplaintIn,
                   responses={201: dict, 400: ErrorResponseSerializer, 403: ErrorResponseSerializer})
    def post(self, request):
        data = PhoneComplaintIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        call = None
        if v.pop("call_id"):
            call = selectors.call_get(actor=request.user, call_id=data.validated_data["call_id"])
        try:
            registered = services.phone_complaint_register(
                actor=request.user, call=call, incident=incident_from(v.pop("incident")), **v)
        except DjangoValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
            raise DjangoValidationError({("caller_number" if k == "phone" else k): m for k, m in errors.items()}) \
                from exc
        c = registered.complaint
        return Response({"reference": c.reference, "tracking_code": registered.tracking_code, "status": c.status,
                         "expected_response_date": expected_response_date(c), "call_id": call.call_id if call else None},
                        status=status.HTTP_201_CREATED)


class CallOut(serializers.Serializer):
    call_id = serializers.CharField()
    caller_number = serializers.CharField()
    called_line = serializers.CharField()
    agent_extension = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    complaint = serializers.CharField(source="complaint.reference", default=None)


class CallListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_call_list", parameters=[OpenApiParameter("active", bool, required=False)],
                   responses={200: CallOut(many=True)})
    def get(self, request):
        active = request.query_params.get("active") in ("1", "true")
        return Response(CallOut(selectors.calls_recent(actor=request.user, active_only=active)[:100], many=True).data)


class LinkIn(StrictSerializer):
    reference = serializers.CharField(max_length=32)


class CallLinkView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_call_link", request=LinkIn, responses={200: CallOut})
    def post(self, request, call_id: str):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        data = LinkIn(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaint_get(actor=request.user, reference=data.validated_data["reference"])
        return Response(CallOut(services.call_link(actor=request.user, call=call, complaint=complaint)).data)


class CallerComplaintsView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_caller_history", responses={200: dict})
    def get(self, request, number: str):
        try:
            e164 = normalise_phone(number)
        except DjangoValidationError as exc:
            raise ApiError(status_code=400, code="validation_error", message="Not a valid phone number.",
                           fields={"number": ["Not a valid phone number."]}) from exc
        rows = selectors.complaints_by_caller(actor=request.user, number=e164)
        return Response([{"reference": c.reference, "status": c.status, "received_at": c.received_at,
                          "category": c.category.code if c.category else None, "channel": c.channel} for c in rows])


class RecordingOut(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    codec = serializers.CharField()
    duration_seconds = serializers.FloatField()
    sample_rate = serializers.IntegerField()
    channels = serializers.IntegerField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    source = serializers.CharField()
    created_at = serializers.DateTimeField()


class ComplaintRecordingsView(StaffAPIView):
    permission_classes = [IsStaff]
    parser_classes = [MultiPartParser]

    @extend_schema(operation_id="staff_recording_list", responses={200: RecordingOut(many=True)})
    def get(self, request, reference: str):
        complaint = complaint_get(actor=request.user, reference=reference)
        return Response(RecordingOut(selectors.recordings_of(complaint), many=True).data)

    @extend_schema(operation_id="staff_recording_upload",
                   request={"multipart/form-data": {"type": "object", "properties": {
                       "file": {"type": "string", "format": "binary"}}}},
                   responses={201: RecordingOut, 400: ErrorResponseSerializer, 413: ErrorResponseSerializer})
    def post(self, request, reference: str):
        complaint = complaint_get(actor=request.user, reference=reference)
        services._require_agent(request.user)
        upload = request.FILES.get("file")
        if upload is None:
            raise ApiError(status_code=400, code="validation_error", message="The file part is missing.",
                           fields={"file": ["Send the recording in a part named 'file'."]})
        try:
            rec, _ = services.recording_store(fileobj=upload, filename=upload.name, source=Recording.Source.AGENT,
                                              complaint=complaint, uploaded_by=request.user)
        except MediaRejected as exc:
            raise _media_error(exc) from exc
        return Response(RecordingOut(rec).data, status=status.HTTP_201_CREATED)


class RecordingAudioView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_recording_audio",
                   parameters=[OpenApiParameter("download", bool, required=False),
                               OpenApiParameter("Range", str, OpenApiParameter.HEADER, required=False)],
                   responses={(200, "audio/*"): bytes, (206, "audio/*"): bytes})
    def get(self, request, pk: int):
        rec = selectors.recording_get(actor=request.user, pk=pk)
        download = request.query_params.get("download") in ("1", "true")
        complaint_id = rec.complaint_id or (rec.call.complaint_id if rec.call_id else None)
        complainant_id = Complaint.objects.filter(pk=complaint_id).values_list("complainant_id", flat=True).first()
        access_log_record(actor=request.user, action="download" if download else "view", object_type="recording",
                          rows=[(complainant_id, complaint_id, rec.pk)], fields=["recording"],
                          purpose=request.headers.get("Range", "") or "full")
        return ranged_file_response(request, name=rec.file.name, size=rec.size, content_type=rec.content_type,
                                    filename=rec.original_name, attachment=download)


class FaxOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(source="complaint.reference")
    pages = serializers.IntegerField()
    content_type = serializers.CharField()
    sender_number = serializers.CharField()
    receiving_line = serializers.CharField()
    received_at = serializers.DateTimeField()
    needs_transcription = serializers.BooleanField()
    previews = serializers.SerializerMethodField()

    def get_previews(self, obj) -> list[str]:
        return [f"/api/v1/staff/faxes/{obj.pk}/pages/{p.number}/" for p in obj.page_previews.all()]


class FaxListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_fax_pending", responses={200: FaxOut(many=True)})
    def get(self, request):
        rows = selectors.faxes_pending(actor=request.user).prefetch_related("page_previews")[:200]
        return Response(FaxOut(rows, many=True).data)


class FaxPageView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_fax_page", responses={(200, "image/png"): bytes})
    def get(self, request, pk: int, number: int):
        fax = selectors.fax_get(actor=request.user, pk=pk)
        page = fax.page_previews.filter(number=number).first()
        if page is None:
            raise Http404
        access_log_record(actor=request.user, action="view", object_type="fax_page",
                          rows=[(fax.complaint.complainant_id, fax.complaint_id, page.pk)], fields=["fax"])
        response = FileResponse(page.preview.open("rb"), content_type="image/png")
        response["X-Content-Type-Options"] = "nosniff"
        return response


class TranscribeIn(StrictSerializer):
    category = serializers.SlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True))
    description = serializers.CharField(max_length=10000)


class FaxTranscribeView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_fax_transcribe", request=TranscribeIn, responses={200: FaxOut})
    def post(self, request, pk: int):
        fax = selectors.fax_get(actor=request.user, pk=pk)
        data = TranscribeIn(data=request.data)
        data.is_valid(raise_exception=True)
        services.fax_transcribe(actor=request.user, fax=fax, **data.validated_data)
        fax.refresh_from_db()
        return Response(FaxOut(fax).data)




# --- resumable upload of large recordings ------------------------------------------------------------

def _session_path(session) -> Path:
    folder = Path(settings.OCC_UPLOAD_TMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{session.pk}.part"


class UploadStartIn(StrictSerializer):
    reference = serializers.CharField(max_length=32)
    filename = serializers.CharField(max_length=255)
    total_size = serializers.IntegerField(min_value=1)


class UploadStartView(StaffAPIView):
    """Start a resumable upload. Then PUT chunks with ``Content-Range: bytes a-b/total`` in order;
    GET tells how much arrived (resume from there); POST .../complete/ checks and stores."""

    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_upload_start", request=UploadStartIn, responses={201: dict})
    def post(self, request):
        from .models import UploadSession

        data = UploadStartIn(data=request.data)
        data.is_valid(raise_exception=True)
        services._require_agent(request.user)
        complaint = complaint_get(actor=request.user, reference=data.validated_data["reference"])
        if data.validated_data["total_size"] > settings.OCC_RECORDING_MAX_BYTES:
            raise ApiError(status_code=413, code="file_too_large",
                           message=f"A recording may be at most {settings.OCC_RECORDING_MAX_BYTES} bytes.")
        session = UploadSession.objects.create(complaint=complaint, filename=data.validated_data["filename"],
                                               total_size=data.validated_data["total_size"], created_by=request.user)
        _session_path(session).write_bytes(b"")
        return Response({"upload_id": session.pk, "received": 0, "total_size": session.total_size},
                        status=status.HTTP_201_CREATED)


class UploadChunkView(StaffAPIView):
    permission_classes = [IsStaff]
    parser_classes = []

    def _session(self, request, upload_id):
        from .models import UploadSession

        session = UploadSession.objects.filter(pk=upload_id, created_by=request.user).first()
        if session is None:
            raise Http404
        return session

    @extend_schema(operation_id="staff_upload_status", responses={200: dict})
    def get(self, request, upload_id):
        session = self._session(request, upload_id)
        return Response({"upload_id": session.pk, "received": session.received, "total_size": session.total_size,
                         "recording_id": session.recording_id})

    @extend_schema(operation_id="staff_upload_chunk", request={"application/octet-stream": bytes},
                   parameters=[OpenApiParameter("Content-Range", str, OpenApiParameter.HEADER, required=True)],
                   responses={200: dict, 409: ErrorResponseSerializer})
    def put(self, request, upload_id):
        import re

        session = self._session(request, upload_id)
        m = re.match(r"^bytes (\d+)-(\d+)/(\d+)$", request.headers.get("Content-Range", ""))
        if not m:
            raise ApiError(status_code=400, code="validation_error", message="Send Content-Range: bytes a-b/total.")
        start, end, total = (int(g) for g in m.groups())
        if total != session.total_size or end < start or end >= total:
            raise ApiError(status_code=400, code="validation_error", message="The Content-Range does not fit this upload.")
        if end - start + 1 > settings.OCC_UPLOAD_CHUNK_MAX_BYTES:
            raise ApiError(status_code=413, code="chunk_too_large",
                           message=f"A chunk may be at most {settings.OCC_UPLOAD_CHUNK_MAX_BYTES} bytes.")
        if start != session.received:
            raise ApiError(status_code=409, code="wrong_offset",
                           message=f"The next chunk must start at byte {session.received}.")
        path = _session_path(session)
        written = 0
        with path.open("r+b") as fh:
            fh.seek(start)
            while chunk := request.read(64 * 1024):
                written += len(chunk)
                if written > end - start + 1:
                    raise ApiError(status_code=400, code="validation_error", message="The body is longer than its range.")
                fh.write(chunk)
            fh.truncate(start + written)
        if written != end - start + 1:
            raise ApiError(status_code=400, code="validation_error",
                           message=f"The range announced {end - start + 1} bytes but {written} arrived.")
        type(session).objects.filter(pk=session.pk).update(received=start + written)
        return Response({"upload_id": session.pk, "received": start + written, "total_size": total})


class UploadCompleteView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_upload_complete", request=None,
                   responses={201: RecordingOut, 400: ErrorResponseSerializer, 409: ErrorResponseSerializer})
    def post(self, request, upload_id):
        from .models import UploadSession

        session = UploadSession.objects.filter(pk=upload_id, created_by=request.user).first()
        if session is None:
            raise Http404
        if session.recording_id:
            return Response(RecordingOut(session.recording).data, status=status.HTTP_201_CREATED)
        if session.received != session.total_size:
            raise ApiError(status_code=409, code="incomplete",
                           message=f"{session.received} of {session.total_size} bytes arrived; send the rest first.")
        path = _session_path(session)
        try:
            with path.open("rb") as fh:
                rec, _ = services.recording_store(fileobj=fh, filename=session.filename,
                                                  source=Recording.Source.AGENT, complaint=session.complaint,
                                                  uploaded_by=request.user)
        except MediaRejected as exc:
            raise _media_error(exc) from exc
        UploadSession.objects.filter(pk=session.pk).update(recording=rec)
        path.unlink(missing_ok=True)
        return Response(RecordingOut(rec).data, status=status.HTTP_201_CREATED)

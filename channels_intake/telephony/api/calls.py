"""Agents on the phone: file a phone complaint, see calls, link a call to a case, find the
caller's earlier complaints (a look-up that is itself written to the access log)."""

from __future__ import annotations

import hashlib
import json

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from channels_intake.web import IncidentIn  # the same incident fields as web intake
from complaints.access import Can, require
from complaints.idempotency import idempotent_answer
from complaints.models import Category
from complaints.permissions import IsStaff
from complaints.selectors import complaint_get
from complaints.services.intake import expected_response_date, incident_from
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.schema import paginated
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView
from privacy.minimum_data import normalise_phone

from .. import selectors, services
from .common import RecordingOut

NOT_FOUND = {404: ErrorResponseSerializer}


def require_worker(request) -> None:
    require(request.user, Can.CASE_WORK)


class PhoneComplaintIn(StrictSerializer):
    caller_number = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=40,
        default="",
        help_text="the contact; defaults to the call's number when call_id is given",
    )
    category = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Category.objects.filter(is_active=True),
        allow_null=True,
        required=False,
        default=None,
        help_text="null leaves the case for triage",
    )
    description = serializers.CharField(max_length=10000)
    name = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
    email = serializers.CharField(required=False, allow_blank=True, max_length=254, default="")
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000, default="")
    call_id = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    incident = IncidentIn(required=False)


class PhoneComplaintOut(serializers.Serializer):
    reference = serializers.CharField()
    tracking_code = serializers.CharField(
        help_text="Read it to the caller; shown once, only its hash is stored."
    )
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    expected_response_date = serializers.DateField(allow_null=True)
    call_id = serializers.CharField(allow_null=True)


class PhoneComplaintView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_phone_complaint_file",
        summary="File a complaint taken by telephone",
        request=PhoneComplaintIn,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            201: PhoneComplaintOut,
            400: ErrorResponseSerializer,
            403: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
            409: OpenApiResponse(
                ErrorResponseSerializer, description="call already on another case, or Idempotency-Key reused"
            ),
        },
    )
    def post(self, request):
        require_worker(request)
        data = PhoneComplaintIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        call = selectors.call_get(actor=request.user, call_id=v.pop("call_id")) if v.get("call_id") else None
        v.pop("call_id", None)

        def work() -> tuple[int, dict]:
            registered = services.phone_complaint_register(
                actor=request.user, call=call, incident=incident_from(v.pop("incident", {}) or {}), **v
            )
            c = registered.complaint
            return 201, PhoneComplaintOut(
                {
                    "reference": c.reference,
                    "tracking_code": registered.tracking_code,
                    "status": c.status,
                    "received_at": c.received_at,
                    "expected_response_date": expected_response_date(c),
                    "call_id": call.call_id if call else None,
                }
            ).data

        code, body = idempotent_answer(
            request,
            scope=f"phone_complaint:{request.user.pk}",
            request_hash=lambda: hashlib.sha256(
                json.dumps(request.data, sort_keys=True, default=str).encode()
            ).hexdigest(),
            work=work,
        )
        return Response(body, status=code)


class CallOut(serializers.Serializer):
    call_id = serializers.CharField()
    state = serializers.CharField()
    caller_number = serializers.CharField()
    caller_withheld = serializers.BooleanField()
    called_line = serializers.CharField()
    agent_extension = serializers.CharField()
    agent = serializers.CharField(source="agent.username", allow_null=True, default=None)
    started_at = serializers.DateTimeField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    ended_at = serializers.DateTimeField(allow_null=True)
    duration_seconds = serializers.FloatField(allow_null=True)
    end_reason = serializers.CharField()
    complaint = serializers.CharField(source="complaint.reference", allow_null=True, default=None)


class CallDetailOut(CallOut):
    recordings = RecordingOut(many=True, source="recordings.all")


class CallFilters(StrictSerializer):
    state = serializers.ChoiceField(choices=["active", "ended", "unlinked"], required=False)
    mine = serializers.BooleanField(required=False, default=False)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200)
    offset = serializers.IntegerField(required=False, min_value=0)


class CallListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_call_list",
        summary="Calls (newest first)",
        parameters=[CallFilters],
        responses={200: paginated(CallOut), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        params = CallFilters(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        qs = selectors.calls_list(
            actor=request.user, state=params.validated_data.get("state"), mine=params.validated_data["mine"]
        )
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        selectors.calls_read_log(actor=request.user, calls=page, action="list")
        return paginator.get_paginated_response(CallOut(page, many=True).data)


class CallDetailView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_call_get", responses={200: CallDetailOut, **NOT_FOUND})
    def get(self, request, call_id: str):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        selectors.calls_read_log(actor=request.user, calls=[call], action="view")
        return Response(CallDetailOut(call).data)


class LinkIn(StrictSerializer):
    reference = serializers.CharField(max_length=32)


class CallLinkView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_call_link",
        summary="Link a call (and its recordings) to a case",
        request=LinkIn,
        responses={200: CallOut, 403: ErrorResponseSerializer, 409: ErrorResponseSerializer, **NOT_FOUND},
    )
    def post(self, request, call_id: str):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        require_worker(request)
        data = LinkIn(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaint_get(actor=request.user, reference=data.validated_data["reference"])
        linked = services.call_link(actor=request.user, call=call, complaint=complaint, field="reference")
        return Response(CallOut(linked).data)


class EarlierComplaintOut(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    channel = serializers.CharField()
    category = serializers.CharField(source="category.code", allow_null=True, default=None)
    received_at = serializers.DateTimeField()
    name = serializers.CharField(source="complainant.name")


class CallEarlierComplaintsView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_call_earlier_complaints",
        summary="Earlier complaints from the caller's number (the look-up is logged)",
        responses={200: EarlierComplaintOut(many=True), **NOT_FOUND},
    )
    def get(self, request, call_id: str):
        call = selectors.call_get(actor=request.user, call_id=call_id)
        if not call.caller_number:
            return Response([])
        rows = selectors.complaints_by_caller(
            actor=request.user,
            number=call.caller_number,
            purpose=f"caller look-up (call {call.call_id})"[:100],
        )
        return Response(EarlierComplaintOut(rows, many=True).data)


class CallerLookupIn(StrictSerializer):
    phone = serializers.CharField(max_length=40)


class CallerLookupView(StaffAPIView):
    """The number travels in the body, not the URL, so it stays out of web-server logs."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_caller_lookup",
        summary="Earlier complaints from a phone number (the look-up is logged)",
        request=CallerLookupIn,
        responses={200: EarlierComplaintOut(many=True), 400: ErrorResponseSerializer, **NOT_FOUND},
    )
    def post(self, request):
        require(request.user, Can.CASE_WORK)
        data = CallerLookupIn(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            number = normalise_phone(data.validated_data["phone"])
        except DjangoValidationError as exc:
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("Not a valid phone number."),
                fields={"phone": [_("Not a valid phone number.")]},
            ) from exc
        rows = selectors.complaints_by_caller(actor=request.user, number=number)
        return Response(EarlierComplaintOut(rows, many=True).data, status=status.HTTP_200_OK)

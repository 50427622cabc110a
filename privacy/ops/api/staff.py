"""The privacy officer's API: data-subject requests (the holds and purge runs are in
``staff_retention``, breaches, records, policies and traffic search in ``staff_records``)."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints.access import Can, require
from complaints.models import Complaint
from complaints.permissions import IsStaff
from occ.api.errors import ErrorResponseSerializer
from occ.api.strict import OverdueParams, StrictSerializer
from occ.api.views import StaffAPIView
from privacy.services import access_log_record

from .. import selectors
from ..models import RefusalGround, RequestType
from ..services import requests as dsr
from ..services.export import person_export


def _readers_only(user) -> None:
    require(user, Can.PRIVACY_READ)


class EvidenceOut(serializers.Serializer):
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    summary = serializers.CharField()
    actor = serializers.CharField(source="actor.username", default=None)
    data = serializers.JSONField()


class CoveredOut(serializers.Serializer):
    reference = serializers.CharField(source="complaint.reference")
    tie = serializers.CharField()
    at = serializers.DateTimeField()


class RequestOut(serializers.Serializer):
    request_id = serializers.UUIDField(source="public_id")
    type = serializers.CharField()
    status = serializers.CharField()
    complaint = serializers.CharField(source="complaint.reference")
    via = serializers.CharField()
    identity_check = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    decided_at = serializers.DateTimeField(allow_null=True)
    refusal_ground = serializers.CharField()
    refusal_reason = serializers.CharField()
    covers = CoveredOut(many=True, source="covered.all", help_text="the complaints this request reaches")

    def get_overdue(self, obj) -> bool:
        from django.utils import timezone

        return bool(obj.status == "received" and obj.due_at and obj.due_at < timezone.now())


class RequestDetailOut(RequestOut):
    details = serializers.JSONField()
    evidence = EvidenceOut(many=True, source="evidence.all")


class AgentFileIn(StrictSerializer):
    reference = serializers.CharField(max_length=32)
    type = serializers.ChoiceField(choices=RequestType.choices)
    details = serializers.DictField(required=False, default=dict)
    identity_check = serializers.CharField(max_length=300)


class RequestListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_staff_request_list",
        parameters=[OverdueParams],
        responses={200: RequestOut(many=True), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        overdue = OverdueParams.of(request)["overdue"]
        return Response(
            RequestOut(selectors.request_list(actor=request.user, overdue_only=overdue), many=True).data
        )

    @extend_schema(
        operation_id="privacy_staff_request_file",
        request=AgentFileIn,
        responses={201: RequestDetailOut, 400: ErrorResponseSerializer, 404: ErrorResponseSerializer},
    )
    def post(self, request):
        require(request.user, Can.DSR_OPEN)
        data = AgentFileIn(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = Complaint.objects.filter(
            reference=data.validated_data["reference"].strip().upper()
        ).first()
        if complaint is None:
            raise Http404
        obj = dsr.dsr_file_by_agent(
            actor=request.user,
            complaint=complaint,
            type=data.validated_data["type"],
            details=data.validated_data["details"],
            identity_check=data.validated_data["identity_check"],
        )
        return Response(RequestDetailOut(obj).data, status=status.HTTP_201_CREATED)


class RequestDetailView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_staff_request_get",
        responses={200: RequestDetailOut, 404: ErrorResponseSerializer},
    )
    def get(self, request, public_id):
        return Response(
            RequestDetailOut(selectors.request_read(actor=request.user, public_id=public_id)).data
        )


class TieIn(StrictSerializer):
    reference = serializers.CharField(max_length=32)
    identity_check = serializers.CharField(max_length=300)


class TieOut(serializers.Serializer):
    request_id = serializers.UUIDField(source="public_id")
    status = serializers.CharField()
    covers = CoveredOut(many=True, source="covered.all")


class RequestTieView(StaffAPIView):
    """Tie another complaint of the same person to an open request, after an identity check that is
    recorded (OCC-11, MOST-5). Only tied or proven complaints are ever reached by the request."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_staff_request_tie",
        request=TieIn,
        responses={
            201: TieOut,
            400: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
        },
    )
    def post(self, request, public_id):
        require(request.user, Can.DSR_OPEN)
        obj = selectors.request_for_tie(actor=request.user, public_id=public_id)
        data = TieIn(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = (
            Complaint.objects.select_related("complainant")
            .filter(reference=data.validated_data["reference"].strip().upper())
            .first()
        )
        if complaint is None:
            raise Http404
        try:
            dsr.dsr_complaint_tie(
                actor=request.user,
                request=obj,
                complaint=complaint,
                identity_check=data.validated_data["identity_check"],
            )
        except PermissionError as exc:
            raise Http404 from exc
        obj.refresh_from_db()
        return Response(TieOut(obj).data, status=status.HTTP_201_CREATED)


class GrantIn(StrictSerializer):
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class RefuseIn(StrictSerializer):
    ground = serializers.ChoiceField(choices=RefusalGround.choices)
    reason = serializers.CharField(max_length=5000)


class RequestGrantView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_staff_request_grant",
        request=GrantIn,
        responses={200: RequestDetailOut, 403: ErrorResponseSerializer, 409: ErrorResponseSerializer},
    )
    def post(self, request, public_id):
        obj = selectors.request_get(actor=request.user, public_id=public_id, need=Can.PRIVACY_DECIDE)
        data = GrantIn(data=request.data)
        data.is_valid(raise_exception=True)
        obj = dsr.dsr_grant(actor=request.user, request=obj, note=data.validated_data["note"])
        return Response(
            RequestDetailOut(selectors.request_get(actor=request.user, public_id=obj.public_id)).data
        )


class RequestRefuseView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_staff_request_refuse",
        request=RefuseIn,
        responses={200: RequestDetailOut, 400: ErrorResponseSerializer, 409: ErrorResponseSerializer},
    )
    def post(self, request, public_id):
        obj = selectors.request_get(actor=request.user, public_id=public_id, need=Can.PRIVACY_DECIDE)
        data = RefuseIn(data=request.data)
        data.is_valid(raise_exception=True)
        obj = dsr.dsr_refuse(actor=request.user, request=obj, **data.validated_data)
        return Response(
            RequestDetailOut(selectors.request_get(actor=request.user, public_id=obj.public_id)).data
        )


class RequestExportView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_staff_request_export", responses={200: dict, 404: ErrorResponseSerializer}
    )
    def get(self, request, public_id):
        obj = selectors.request_get(actor=request.user, public_id=public_id)
        document = person_export(request=obj)
        access_log_record(
            actor=request.user,
            action="export",
            object_type="data_subject_export",
            rows=[(obj.complainant_id, obj.complaint_id, obj.pk)],
            fields=["all"],
            purpose=f"data-subject request {obj.type}",
        )
        return Response(document)

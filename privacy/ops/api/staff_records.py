"""The privacy officer's API: breaches, records for the regulator, the privacy policy, traffic search."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints.access import Can, require
from complaints.permissions import IsStaff
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.schema import rows_or_csv
from occ.api.strict import ExportParams, OverdueParams, StrictSerializer, export_format
from occ.api.views import StaffAPIView
from privacy.services import access_log_record

from .. import selectors
from ..models import PolicyVersion
from ..services import policy as policy_services
from ..services import records


def _readers_only(user) -> None:
    require(user, Can.PRIVACY_READ)


class BreachOut(serializers.Serializer):
    id = serializers.IntegerField()
    detected_at = serializers.DateTimeField()
    description = serializers.CharField()
    data_categories = serializers.ListField(child=serializers.CharField())
    people_affected = serializers.IntegerField()
    notify_by = serializers.DateTimeField()
    regulator_notified_at = serializers.DateTimeField(allow_null=True)
    subjects_notified_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()

    def get_overdue(self, obj) -> bool:
        from django.utils import timezone

        return obj.regulator_notified_at is None and obj.notify_by < timezone.now()


class BreachIn(StrictSerializer):
    detected_at = serializers.DateTimeField()
    description = serializers.CharField(max_length=10000)
    data_categories = serializers.ListField(child=serializers.CharField(max_length=100), default=list)
    people_affected = serializers.IntegerField(min_value=0, default=0)


class BreachListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_breach_list",
        parameters=[OverdueParams],
        responses={200: BreachOut(many=True), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        overdue = OverdueParams.of(request)["overdue"]
        return Response(
            BreachOut(selectors.breaches(actor=request.user, overdue_only=overdue), many=True).data
        )

    @extend_schema(operation_id="privacy_breach_record", request=BreachIn, responses={201: BreachOut})
    def post(self, request):
        require(request.user, Can.BREACH_RECORD)
        data = BreachIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            BreachOut(records.breach_record(actor=request.user, **data.validated_data)).data,
            status=status.HTTP_201_CREATED,
        )


class NotifiedIn(StrictSerializer):
    regulator = serializers.BooleanField(default=True)
    subjects = serializers.BooleanField(default=False)


class BreachNotifiedView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="privacy_breach_notified", request=NotifiedIn, responses={200: BreachOut})
    def post(self, request, pk: int):
        breach = selectors.breach_get(actor=request.user, pk=pk, need=Can.BREACH_MANAGE)
        data = NotifiedIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            BreachOut(
                records.breach_mark_notified(actor=request.user, breach=breach, **data.validated_data)
            ).data
        )


def _as(request, rows: list[dict], filename: str):
    if export_format(request) == "csv":
        response = HttpResponse(records.to_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    return Response(rows)


class ProcessingRecordView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_processing_record",
        parameters=[ExportParams],
        responses={**rows_or_csv(), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        require(request.user, Can.RECORDS_READ)
        return _as(request, records.processing_record(), "record-of-processing")


class AccessReportParams(ExportParams):
    complainant = serializers.IntegerField(required=False, min_value=1)
    actor = serializers.CharField(required=False, max_length=150)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)


class AccessReportView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_access_report",
        parameters=[AccessReportParams],
        responses={**rows_or_csv(), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        _readers_only(request.user)
        q = AccessReportParams.of(request)
        rows = records.access_report(
            complainant_id=q.get("complainant"),
            actor_username=q.get("actor") or None,
            since=q.get("since"),
            until=q.get("until"),
        )
        return _as(request, rows, "staff-access-report")


class PolicyIn(StrictSerializer):
    version = serializers.CharField(max_length=20)
    title_th = serializers.CharField(max_length=300)
    title_en = serializers.CharField(max_length=300)
    body_th = serializers.CharField()
    body_en = serializers.CharField()
    change_summary_th = serializers.CharField(required=False, allow_blank=True, default="")
    change_summary_en = serializers.CharField(required=False, allow_blank=True, default="")
    effective_at = serializers.DateTimeField()


class PolicyDraftView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="privacy_policy_draft", request=PolicyIn, responses={201: dict})
    def post(self, request):
        require(request.user, Can.PRIVACY_DECIDE)
        data = PolicyIn(data=request.data)
        data.is_valid(raise_exception=True)
        if PolicyVersion.objects.filter(version=data.validated_data["version"]).exists():
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("This version exists."),
                fields={"version": [_("A policy with this version already exists.")]},
            )
        policy = PolicyVersion.objects.create(**data.validated_data)
        return Response({"id": policy.pk, "version": policy.version}, status=status.HTTP_201_CREATED)


class PolicyPublishView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="privacy_policy_publish", request=None, responses={200: dict})
    def post(self, request, pk: int):
        require(request.user, Can.PRIVACY_DECIDE)
        policy = PolicyVersion.objects.filter(pk=pk).first()
        if policy is None:
            raise Http404
        notice = policy_services.policy_version_publish(actor=request.user, policy=policy)
        return Response({"version": policy.version, "notice_th": notice.text_th, "notice_en": notice.text_en})


class TrafficRecordOut(serializers.Serializer):
    at = serializers.DateTimeField()
    ip_address = serializers.CharField(allow_null=True)
    user_agent = serializers.CharField()
    method = serializers.CharField()
    path = serializers.CharField()
    referrer = serializers.CharField()
    status_code = serializers.IntegerField(allow_null=True)
    channel = serializers.CharField()
    complaint_reference = serializers.CharField()


class TrafficSearchIn(StrictSerializer):
    ip = serializers.IPAddressField(required=False)
    reference = serializers.CharField(required=False, max_length=32)
    path = serializers.CharField(required=False, max_length=500)
    since = serializers.DateTimeField(required=False)
    until = serializers.DateTimeField(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Give at least one of ip, reference, path, since, until."))
        return attrs


class TrafficSearchView(StaffAPIView):
    """The traffic log for a retrospective investigation (MOST-1, KC-2); every search is logged."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_traffic_search",
        parameters=[TrafficSearchIn],
        responses={200: TrafficRecordOut(many=True), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        _readers_only(request.user)
        params = TrafficSearchIn(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        rows = selectors.traffic_search(actor=request.user, **params.validated_data)
        access_log_record(
            actor=request.user,
            action="search",
            object_type="traffic_record",
            rows=[(None, None, r.pk) for r in rows] or [(None, None, None)],
            fields=sorted(params.validated_data),
            purpose="retrospective_investigation",
        )
        return Response(TrafficRecordOut(rows, many=True).data)

"""The privacy officer's API: requests, holds, purge runs, breaches, records for the regulator."""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints.access import Can, require
from complaints.models import Complaint
from complaints.permissions import IsStaff
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView
from privacy.services import access_log_record

from .. import selectors
from ..models import LegalHold, PolicyVersion, RefusalGround, RequestType
from ..services import policy as policy_services
from ..services import records, retention
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
        parameters=[OpenApiParameter("overdue", bool, required=False)],
        responses={200: RequestOut(many=True)},
    )
    def get(self, request):
        overdue = request.query_params.get("overdue") in ("1", "true")
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
        except dsr.RequestRefused as exc:
            raise ApiError(status_code=409, code="not_open", message=exc.reason) from exc
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
        try:
            obj = dsr.dsr_grant(actor=request.user, request=obj, note=data.validated_data["note"])
        except dsr.RequestRefused as exc:
            raise ApiError(status_code=409, code="not_open", message=exc.reason) from exc
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
        try:
            obj = dsr.dsr_refuse(actor=request.user, request=obj, **data.validated_data)
        except dsr.RequestRefused as exc:
            raise ApiError(status_code=409, code="not_open", message=exc.reason) from exc
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


class HoldOut(serializers.ModelSerializer):
    complaint = serializers.CharField(source="complaint.reference", default=None)
    recorded_by = serializers.CharField(source="recorded_by.username")

    class Meta:
        model = LegalHold
        fields = [
            "id",
            "scope",
            "ip_address",
            "time_from",
            "time_to",
            "complaint",
            "order_reference",
            "issuing_authority",
            "recorded_by",
            "recorded_at",
            "expires_at",
            "released_at",
            "release_reason",
        ]


class HoldIn(StrictSerializer):
    scope = serializers.ChoiceField(choices=LegalHold.Scope.choices)
    order_reference = serializers.CharField(max_length=200)
    issuing_authority = serializers.CharField(max_length=300)
    expires_at = serializers.DateTimeField()
    ip_address = serializers.IPAddressField(required=False, allow_null=True)
    time_from = serializers.DateTimeField(required=False, allow_null=True)
    time_to = serializers.DateTimeField(required=False, allow_null=True)
    complaint = serializers.CharField(required=False, allow_null=True, max_length=32)


class HoldListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="privacy_hold_list", responses={200: HoldOut(many=True)})
    def get(self, request):
        return Response(HoldOut(selectors.holds_list(actor=request.user), many=True).data)

    @extend_schema(
        operation_id="privacy_hold_place",
        request=HoldIn,
        responses={201: HoldOut, 400: ErrorResponseSerializer},
    )
    def post(self, request):
        require(request.user, Can.PRIVACY_DECIDE)
        data = HoldIn(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        ref = values.pop("complaint", None)
        complaint = None
        if ref:
            complaint = Complaint.objects.filter(reference=ref.strip().upper()).first()
            if complaint is None:
                raise ApiError(
                    status_code=400,
                    code="validation_error",
                    message="Unknown case.",
                    fields={"complaint": [f"No case {ref}."]},
                )
        hold = retention.legal_hold_place(actor=request.user, complaint=complaint, **values)
        return Response(HoldOut(hold).data, status=status.HTTP_201_CREATED)


class ReleaseIn(StrictSerializer):
    reason = serializers.CharField(max_length=2000)


class HoldReleaseView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="privacy_hold_release", request=ReleaseIn, responses={200: HoldOut})
    def post(self, request, pk: int):
        hold = selectors.hold_get(actor=request.user, pk=pk, need=Can.PRIVACY_DECIDE)
        data = ReleaseIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            HoldOut(retention.legal_hold_release(actor=request.user, hold=hold, **data.validated_data)).data
        )


class PurgeRunListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="privacy_purge_runs", responses={200: dict})
    def get(self, request):
        rows = selectors.purge_runs(actor=request.user)[:200]
        return Response(
            [
                {
                    "data_class": r.data_class,
                    "started_at": r.started_at,
                    "finished_at": r.finished_at,
                    "cutoff": r.cutoff,
                    "rows_purged": r.rows_purged,
                    "rows_held": r.rows_held,
                    "holds_respected": r.holds_respected,
                    "batches": r.batches,
                }
                for r in rows
            ]
        )


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
        parameters=[OpenApiParameter("overdue", bool, required=False)],
        responses={200: BreachOut(many=True)},
    )
    def get(self, request):
        overdue = request.query_params.get("overdue") in ("1", "true")
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
    if request.query_params.get("as") == "csv":
        response = HttpResponse(records.to_csv(rows), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
        return response
    return Response(rows)


class ProcessingRecordView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_processing_record",
        parameters=[OpenApiParameter("as", str, enum=["json", "csv"], required=False)],
        responses={200: dict},
    )
    def get(self, request):
        require(request.user, Can.RECORDS_READ)
        return _as(request, records.processing_record(), "record-of-processing")


class AccessReportView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="privacy_access_report",
        parameters=[
            OpenApiParameter("complainant", int, required=False),
            OpenApiParameter("actor", str, required=False),
            OpenApiParameter("since", str, required=False),
            OpenApiParameter("until", str, required=False),
            OpenApiParameter("as", str, enum=["json", "csv"], required=False),
        ],
        responses={200: dict},
    )
    def get(self, request):
        _readers_only(request.user)
        from django.utils.dateparse import parse_datetime

        q = request.query_params
        rows = records.access_report(
            complainant_id=int(q["complainant"]) if q.get("complainant", "").isdigit() else None,
            actor_username=q.get("actor") or None,
            since=parse_datetime(q["since"]) if q.get("since") else None,
            until=parse_datetime(q["until"]) if q.get("until") else None,
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
                message="This version exists.",
                fields={"version": ["A policy with this version already exists."]},
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

"""Public privacy endpoints: data-subject requests by citizens, the policy, cookie choices."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.strict import StrictSerializer
from occ.api.throttling import ScopedRateThrottle
from occ.api.views import PublicAPIView

from ..models import DataSubjectRequest, PolicyNotice, PolicyVersion, RequestType
from ..services import policy as policy_services
from ..services import requests as dsr

COOKIE_NAME = "occ_cookie_choice"


class Throttled(PublicAPIView):
    throttle_scope = "track"
    throttle_classes = [ScopedRateThrottle]


class RequestIn(StrictSerializer):
    reference = serializers.CharField(max_length=32)
    tracking_code = serializers.CharField(max_length=64)
    type = serializers.ChoiceField(choices=RequestType.choices)
    details = serializers.DictField(required=False, default=dict)


class RequestFiledOut(serializers.Serializer):
    request_id = serializers.UUIDField()
    status = serializers.CharField()
    code_sent_to = serializers.CharField()


class RequestFileView(Throttled):
    @extend_schema(
        operation_id="privacy_request_file",
        request=RequestIn,
        responses={
            202: RequestFiledOut,
            400: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
            503: ErrorResponseSerializer,
        },
    )
    def post(self, request):
        data = RequestIn(data=request.data)
        data.is_valid(raise_exception=True)
        obj, sent_to = dsr.dsr_file_by_citizen(**data.validated_data)
        return Response(
            {"request_id": obj.public_id, "status": obj.status, "code_sent_to": sent_to},
            status=status.HTTP_202_ACCEPTED,
        )


class VerifyIn(StrictSerializer):
    request_id = serializers.UUIDField()
    code = serializers.CharField(max_length=12)


class RequestStatusOut(serializers.Serializer):
    request_id = serializers.UUIDField(source="public_id")
    type = serializers.CharField()
    status = serializers.CharField()
    received_at = serializers.DateTimeField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)
    refusal_ground = serializers.CharField()
    refusal_reason = serializers.CharField()
    complaints = serializers.SerializerMethodField(
        help_text="references of the complaints the request covers"
    )

    def get_complaints(self, obj) -> list[str]:
        return (
            dsr.covered_references(obj)
            if obj.status != DataSubjectRequest.Status.AWAITING_VERIFICATION
            else []
        )


class RequestVerifyView(Throttled):
    @extend_schema(
        operation_id="privacy_request_verify",
        request=VerifyIn,
        responses={200: RequestStatusOut, 400: ErrorResponseSerializer, 404: ErrorResponseSerializer},
    )
    def post(self, request):
        data = VerifyIn(data=request.data)
        data.is_valid(raise_exception=True)
        obj = dsr.dsr_verify(public_id=data.validated_data["request_id"], code=data.validated_data["code"])
        return Response(RequestStatusOut(obj).data)


class SecretIn(StrictSerializer):
    request_id = serializers.UUIDField()
    reference = serializers.CharField(max_length=32)
    tracking_code = serializers.CharField(max_length=64)


class RequestStatusView(Throttled):
    @extend_schema(
        operation_id="privacy_request_status",
        request=SecretIn,
        responses={200: RequestStatusOut, 404: ErrorResponseSerializer},
    )
    def post(self, request):
        data = SecretIn(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = dsr._complaint_by_secret(
            data.validated_data["reference"], data.validated_data["tracking_code"]
        )
        obj = DataSubjectRequest.objects.filter(
            public_id=data.validated_data["request_id"], complaint=complaint
        ).first()
        if obj is None:
            raise ApiError(status_code=404, code="not_found", message=_("Not found."))
        return Response(RequestStatusOut(obj).data)


class RequestExportView(Throttled):
    @extend_schema(
        operation_id="privacy_request_export",
        request=SecretIn,
        responses={200: dict, 404: ErrorResponseSerializer},
    )
    def post(self, request):
        data = SecretIn(data=request.data)
        data.is_valid(raise_exception=True)
        document = dsr.dsr_citizen_export(
            public_id=data.validated_data["request_id"],
            reference=data.validated_data["reference"],
            tracking_code=data.validated_data["tracking_code"],
        )
        return Response(document)


class PolicyOut(serializers.ModelSerializer):
    class Meta:
        model = PolicyVersion
        fields = [
            "version",
            "title_th",
            "title_en",
            "body_th",
            "body_en",
            "change_summary_th",
            "change_summary_en",
            "effective_at",
            "published_at",
        ]


class NoticeOut(serializers.ModelSerializer):
    version = serializers.CharField(source="policy.version")

    class Meta:
        model = PolicyNotice
        fields = ["version", "published_at", "text_th", "text_en"]


class PolicyView(PublicAPIView):
    throttle_scope = "public"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(operation_id="privacy_policy", responses={200: dict})
    def get(self, request):
        current = policy_services.policy_current()
        history = PolicyVersion.objects.filter(published_at__isnull=False).order_by("-effective_at")
        return Response(
            {
                "current": PolicyOut(current).data if current else None,
                "history": [
                    {"version": p.version, "effective_at": p.effective_at, "published_at": p.published_at}
                    for p in history
                ],
            }
        )


class NoticeFeedView(PublicAPIView):
    throttle_scope = "public"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(operation_id="privacy_notices", responses={200: NoticeOut(many=True)})
    def get(self, request):
        return Response(NoticeOut(PolicyNotice.objects.select_related("policy")[:50], many=True).data)


class CookieIn(StrictSerializer):
    statistics = serializers.BooleanField()


class CookieOut(serializers.Serializer):
    statistics = serializers.BooleanField()
    decided_at = serializers.DateTimeField(allow_null=True)


class CookieChoiceView(PublicAPIView):
    """The choice itself is remembered in one essential cookie; no statistics cookie is ever set
    by the server, and refusing statistics changes nothing else (OCC-10)."""

    throttle_scope = "public"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(operation_id="cookie_choice_get", responses={200: CookieOut})
    def get(self, request):
        pref = policy_services.cookie_preference_current(request.COOKIES.get(COOKIE_NAME, "").split(":")[0])
        return Response(
            {"statistics": bool(pref and pref.statistics), "decided_at": pref.decided_at if pref else None}
        )

    @extend_schema(operation_id="cookie_choice_set", request=CookieIn, responses={200: CookieOut})
    def post(self, request):
        data = CookieIn(data=request.data)
        data.is_valid(raise_exception=True)
        current = request.COOKIES.get(COOKIE_NAME, "").split(":")[0] or None
        pref = policy_services.cookie_preference_record(
            browser_id=current, statistics=data.validated_data["statistics"]
        )
        response = Response({"statistics": pref.statistics, "decided_at": pref.decided_at})
        response.set_cookie(
            COOKIE_NAME,
            f"{pref.browser_id}:{int(pref.statistics)}",
            max_age=365 * 86400,
            httponly=False,
            samesite="Lax",
            secure=not settings.DEBUG and request.is_secure(),
        )
        return response

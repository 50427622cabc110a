"""Public endpoints of the case app: categories and citizen tracking."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response

from occ.api import fastbody
from occ.api.errors import ErrorResponseSerializer
from occ.api.strict import StrictSerializer
from occ.api.throttling import ScopedRateThrottle
from occ.api.views import PublicAPIView
from privacy.middleware import traffic_mark

from .. import selectors
from ..models import Status, TimelineEvent


class CategoryOut(serializers.Serializer):
    code = serializers.CharField()
    name_th = serializers.CharField()
    name_en = serializers.CharField()
    description_th = serializers.CharField()
    description_en = serializers.CharField()
    sla_days = serializers.IntegerField()
    allow_anonymous = serializers.BooleanField()
    identity_policy = serializers.DictField(child=serializers.CharField(), source="identity_policy_dict")


class CategoryListView(PublicAPIView):
    throttle_scope = "public"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(operation_id="category_list", responses={200: CategoryOut(many=True)})
    def get(self, request):
        rows = []
        for c in selectors.category_list():
            c.identity_policy_dict = c.identity_policy()
            rows.append(c)
        return Response(CategoryOut(rows, many=True).data)


class TrackIn(StrictSerializer):
    reference = serializers.CharField(max_length=32)
    tracking_code = serializers.CharField(max_length=64)


_TRACK_FIELDS = fastbody.lean_fields(TrackIn())  # built once: the same rules as TrackIn, no tree per request
_TrackBody = fastbody.struct_for("TrackBody", _TRACK_FIELDS)
_DATETIME = serializers.DateTimeField()


def _track_lean(payload) -> dict:
    return fastbody.given(fastbody.shape(payload, _TrackBody), _TRACK_FIELDS)


def _status_label(value: str) -> str:
    return str(Status(value).label) if value else ""


class TrackEventOut(serializers.Serializer):
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    kind_label = serializers.SerializerMethodField()
    status = serializers.CharField(source="to_status")
    status_label = serializers.SerializerMethodField()
    text = serializers.CharField()

    def get_kind_label(self, obj) -> str:
        return str(TimelineEvent.Kind(obj.kind).label)

    def get_status_label(self, obj) -> str:
        return str(Status(obj.to_status).label) if obj.to_status else ""


class JoinedOut(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()


class TrackOut(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    received_at = serializers.DateTimeField()
    expected_response_date = serializers.DateField(allow_null=True)
    referred_to = serializers.ListField(child=serializers.CharField())
    timeline = TrackEventOut(many=True)
    joined = JoinedOut(
        allow_null=True,
        help_text="a duplicate: it was joined to another case; that case's public status only",
    )


class TrackView(PublicAPIView):
    throttle_scope = "track"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        operation_id="complaint_track",
        summary="Track a complaint with its reference and tracking code",
        request=TrackIn,
        responses={200: TrackOut, 404: ErrorResponseSerializer, 429: ErrorResponseSerializer},
    )
    def post(self, request):
        found = selectors.complaint_track(**fastbody.validated(request.data, _track_lean, TrackIn))
        traffic_mark(request, reference=found.reference)
        due = found.expected_response_date
        # TrackOut's shape (declared for the schema above), written directly
        return Response(
            {
                "reference": found.reference,
                "status": found.status,
                "status_label": _status_label(found.status),
                "category": found.category_code,
                "received_at": _DATETIME.to_representation(found.received_at),
                "expected_response_date": due.isoformat() if due else None,
                "referred_to": found.referred_to,
                "timeline": [
                    {
                        "at": _DATETIME.to_representation(e.created_at),
                        "kind": e.kind,
                        "kind_label": str(TimelineEvent.Kind(e.kind).label),
                        "status": e.to_status,
                        "status_label": _status_label(e.to_status),
                        "text": e.text,
                    }
                    for e in found.events
                ],
                "joined": (
                    {"status": found.joined_status, "status_label": _status_label(found.joined_status)}
                    if found.joined_status
                    else None
                ),
            }
        )

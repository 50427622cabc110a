"""The privacy officer's API: legal holds and purge runs."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints.access import Can, require
from complaints.models import Complaint
from complaints.permissions import IsStaff
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.schema import ROWS
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView

from .. import selectors
from ..models import LegalHold
from ..services import retention


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
                    message=_("Unknown case."),
                    fields={"complaint": [_("No case %(reference)s.") % {"reference": ref}]},
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

    @extend_schema(operation_id="privacy_purge_runs", responses={200: ROWS})
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

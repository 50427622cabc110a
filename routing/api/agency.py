"""Agency API: officers (session or token) and agency systems (agency key) see only the referrals
to their own agency; anything else is 404."""

from __future__ import annotations

from django.http import Http404
from drf_spectacular.utils import extend_schema
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from occ.api.errors import ErrorResponseSerializer
from occ.api.session import VerifiedSessionAuthentication as SessionAuthentication
from occ.api.strict import QueryParams, StrictSerializer
from occ.api.views import StaffAPIView

from .. import agency_actions, notices, selectors
from ..agency_auth import AgencyKeyAuthentication, agency_actor
from ..models import RecipientNotice, Referral


class ReferralStateParams(QueryParams):
    state = serializers.ChoiceField(choices=Referral.State.choices, required=False)


class AgencyView(StaffAPIView):
    authentication_classes = [AgencyKeyAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]

    def actor(self, request):
        actor = agency_actor(request)
        if actor is None:
            raise Http404
        return actor

    def referral(self, request, delivery_id):
        actor = self.actor(request)
        return actor, selectors.referral_for_agency(agency_id=actor.agency.pk, delivery_id=delivery_id)


class ReferralRowOut(serializers.Serializer):
    delivery_id = serializers.UUIDField()
    reference = serializers.CharField(source="complaint.reference")
    category = serializers.CharField(source="complaint.category.code", default=None)
    purpose = serializers.CharField()
    basis = serializers.CharField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    agency_case_reference = serializers.CharField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField(help_text="the disclosure gate's reason code, when withdrawn")


class ReferralListView(AgencyView):
    @extend_schema(
        operation_id="agency_referral_list",
        parameters=[ReferralStateParams],
        responses={200: ReferralRowOut(many=True)},
    )
    def get(self, request):
        actor = self.actor(request)
        rows = selectors.referrals_for_agency(
            agency_id=actor.agency.pk, state=ReferralStateParams.of(request).get("state")
        )
        return Response(ReferralRowOut(rows[:500], many=True).data)


class WithdrawalOut(serializers.Serializer):
    reason_code = serializers.CharField()
    reason = serializers.CharField()
    instruction = serializers.CharField()
    withdrawn_at = serializers.DateTimeField(allow_null=True)


class ReferralDetailOut(serializers.Serializer):
    referral = ReferralRowOut()
    case = serializers.DictField(
        allow_null=True, help_text="the case minimised now; null when the referral is withdrawn"
    )
    case_sha256 = serializers.CharField(
        allow_null=True,
        help_text="SHA-256 of the canonical JSON of `case` (sorted keys, no spaces, UTF-8), as logged",
    )
    withdrawal = WithdrawalOut(allow_null=True)


class ReferralDetailView(AgencyView):
    @extend_schema(
        operation_id="agency_referral_get",
        responses={200: ReferralDetailOut, 404: ErrorResponseSerializer},
    )
    def get(self, request, delivery_id):
        """The gate is asked at each fetch: the case as it is now, or, once withdrawn, no data and
        the reason code."""
        actor, ref = self.referral(request, delivery_id)
        read = agency_actions.referral_agency_read(referral=ref, actor=actor)
        ref.refresh_from_db()
        return Response(
            {
                "referral": ReferralRowOut(ref).data,
                "case": read.case,
                "case_sha256": read.sha256 or None,
                "withdrawal": WithdrawalOut(read.withdrawal).data if read.withdrawal else None,
            }
        )


class AckIn(StrictSerializer):
    agency_case_reference = serializers.CharField(
        required=False, allow_blank=True, max_length=100, default=""
    )


class ReferralAckView(AgencyView):
    @extend_schema(operation_id="agency_referral_acknowledge", request=AckIn, responses={200: ReferralRowOut})
    def post(self, request, delivery_id):
        actor, ref = self.referral(request, delivery_id)
        data = AckIn(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(
            ReferralRowOut(
                agency_actions.referral_acknowledge(referral=ref, actor=actor, **data.validated_data)
            ).data
        )


class UpdateIn(StrictSerializer):
    text = serializers.CharField(max_length=10000)
    public = serializers.BooleanField(
        default=True, help_text="public updates join the timeline the citizen tracks"
    )
    status = serializers.ChoiceField(choices=["in_progress", "resolved"], required=False, allow_null=True)


class ReferralUpdateView(AgencyView):
    @extend_schema(
        operation_id="agency_referral_update",
        request=UpdateIn,
        responses={201: dict, 400: ErrorResponseSerializer, 404: ErrorResponseSerializer},
    )
    def post(self, request, delivery_id):
        actor, ref = self.referral(request, delivery_id)
        data = UpdateIn(data=request.data)
        data.is_valid(raise_exception=True)
        event = agency_actions.referral_agency_update(referral=ref, actor=actor, **data.validated_data)
        return Response(
            {"id": event.pk, "kind": event.kind, "public": event.is_public}, status=status.HTTP_201_CREATED
        )


class DataIn(StrictSerializer):
    kind = serializers.CharField(max_length=40)
    value = serializers.CharField(max_length=500)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    legal_basis = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ReferralDataView(AgencyView):
    @extend_schema(operation_id="agency_referral_return_data", request=DataIn, responses={201: dict})
    def post(self, request, delivery_id):
        actor, ref = self.referral(request, delivery_id)
        data = DataIn(data=request.data)
        data.is_valid(raise_exception=True)
        row = agency_actions.referral_return_data(referral=ref, actor=actor, **data.validated_data)
        return Response(
            {"id": row.pk, "kind": row.kind, "returned_by": row.returned_by, "returned_at": row.returned_at},
            status=status.HTTP_201_CREATED,
        )


class RecipientNoticeOut(serializers.Serializer):
    delivery_id = serializers.UUIDField()
    created_at = serializers.DateTimeField()
    event = serializers.ChoiceField(choices=RecipientNotice.Event.choices)
    changed = serializers.ListField(child=serializers.CharField(), help_text="field names, never values")
    instruction = serializers.CharField(help_text="what the agency must do with its copy")
    body = serializers.DictField(help_text="the notice exactly as pushed to webhook and e-mail agencies")


class NoticeListView(AgencyView):
    @extend_schema(operation_id="agency_notice_list", responses={200: RecipientNoticeOut(many=True)})
    def get(self, request):
        """Notices of rectification, erasure and restriction of data this agency received (no
        personal data). For an agency that pulls, fetching a notice is its delivery (logged once)."""
        actor = self.actor(request)
        rows = notices.notices_for_agency(agency_id=actor.agency.pk, actor=actor.name)
        return Response(RecipientNoticeOut(rows, many=True).data)

"""Staff routing: proposals with a preview of what each agency would receive, referral under a
basis (through the disclosure gate), consents and legal orders, supervisors' queues and resends."""

from __future__ import annotations

import json

from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints import selectors as case_selectors
from complaints.access import Can
from complaints.models import Agency
from complaints.permissions import IsStaff
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.parsers import LimitedJSONParser as JSONParser
from occ.api.parsers import LimitedMultiPartParser as MultiPartParser
from occ.api.schema import DATE_PATTERN, TEXT_PATTERN
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView
from privacy.models import DISCLOSABLE_FIELDS, Basis, Consent, Purpose
from privacy.services import consent_record, consent_withdraw, legal_order_record

from .. import referrals, selectors
from ..access import access_referral
from ..disclosure import DisclosureRefused, disclosure_decide
from ..rules import routing_propose
from .agency import ReferralStateParams


def _refusal(exc: DisclosureRefused) -> ApiError:
    return ApiError(status_code=exc.status, code=f"disclosure_refused_{exc.code}", message=exc.reason)


def _worked(request, reference):
    return case_selectors.complaint_get(actor=request.user, reference=reference, need=Can.CASE_ROUTE)


class ReferralOut(serializers.Serializer):
    id = serializers.IntegerField()
    delivery_id = serializers.UUIDField()
    agency = serializers.CharField(source="agency.code")
    delivery_method = serializers.CharField()
    purpose = serializers.CharField()
    basis = serializers.CharField()
    basis_reference = serializers.CharField()
    fields = serializers.ListField(child=serializers.CharField())
    payload_sha256 = serializers.CharField()
    state = serializers.CharField()
    attempts = serializers.IntegerField()
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    delivered_at = serializers.DateTimeField(allow_null=True)
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdrawn_reason = serializers.CharField(help_text="the disclosure gate's reason code, when withdrawn")


class RoutingView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_routing_proposals", responses={200: dict, 404: ErrorResponseSerializer}
    )
    def get(self, request, reference: str):
        """Proposed agencies, and for each what it would receive under a related-agency agreement."""
        complaint = _worked(request, reference)
        proposals = []
        for p in routing_propose(complaint):
            entry = {
                "agency": p.rule.agency.code,
                "agency_name": p.rule.agency.name_en,
                "purpose": p.rule.purpose,
                "reason": p.reason,
            }
            try:
                decision = disclosure_decide(
                    complaint=complaint,
                    recipient=p.rule.agency,
                    purpose=p.rule.purpose,
                    basis=Basis.RELATED_AGENCY,
                    actor=request.user,
                )
                entry["related_agency_preview"] = {"fields": decision.fields, "payload": decision.payload}
            except DisclosureRefused as exc:
                entry["related_agency_preview"] = {"refused": exc.code, "reason": exc.reason}
            proposals.append(entry)
        return Response(
            {
                "proposals": proposals,
                "referrals": ReferralOut(complaint.referrals.select_related("agency"), many=True).data,
            }
        )


class ReferIn(StrictSerializer):
    agency = serializers.SlugField()
    purpose = serializers.ChoiceField(choices=Purpose.choices)
    basis = serializers.ChoiceField(choices=Basis.choices)
    consent_id = serializers.IntegerField(required=False, allow_null=True)
    legal_order_id = serializers.IntegerField(required=False, allow_null=True)
    preview = serializers.BooleanField(default=False, help_text="only show what would be sent")


class ReferView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_referral_create",
        request=ReferIn,
        responses={201: ReferralOut, 200: dict, 403: ErrorResponseSerializer, 409: ErrorResponseSerializer},
    )
    def post(self, request, reference: str):
        complaint = _worked(request, reference)
        data = ReferIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        agency = Agency.objects.filter(code=v["agency"], is_active=True).first()
        if agency is None:
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("Unknown agency."),
                fields={"agency": [_("No active agency '%(code)s'.") % {"code": v["agency"]}]},
            )
        try:
            if v["preview"]:
                d = disclosure_decide(
                    complaint=complaint,
                    recipient=agency,
                    purpose=v["purpose"],
                    basis=v["basis"],
                    actor=request.user,
                    consent_id=v.get("consent_id"),
                    legal_order_id=v.get("legal_order_id"),
                )
                return Response({"fields": d.fields, "payload": d.payload, "sha256": d.sha256})
            ref = referrals.referral_create(
                complaint=complaint,
                agency=agency,
                purpose=v["purpose"],
                basis=v["basis"],
                actor=request.user,
                consent_id=v.get("consent_id"),
                legal_order_id=v.get("legal_order_id"),
            )
        except DisclosureRefused as exc:
            raise _refusal(exc) from exc
        ref.refresh_from_db()
        return Response(ReferralOut(ref).data, status=status.HTTP_201_CREATED)


class ConsentIn(StrictSerializer):
    purposes = serializers.ListField(child=serializers.CharField(max_length=40))
    fields = serializers.ListField(child=serializers.ChoiceField(choices=DISCLOSABLE_FIELDS))
    channel = serializers.ChoiceField(choices=["web", "app", "email", "phone", "fax"])
    statement = serializers.CharField(max_length=5000)
    agency = serializers.SlugField(required=False, allow_null=True)


class ConsentView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_consent_record", request=ConsentIn, responses={201: dict})
    def post(self, request, reference: str):
        complaint = _worked(request, reference)
        data = ConsentIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = dict(data.validated_data)
        code = v.pop("agency", None)
        agency = Agency.objects.filter(code=code).first() if code else None
        consent = consent_record(complainant=complaint.complainant, agency=agency, actor=request.user, **v)
        return Response({"id": consent.pk, "given_at": consent.given_at}, status=status.HTTP_201_CREATED)


class ConsentWithdrawView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_consent_withdraw", request=None, responses={200: dict})
    def post(self, request, reference: str, pk: int):
        complaint = _worked(request, reference)
        consent = Consent.objects.filter(pk=pk, complainant=complaint.complainant).first()
        if consent is None:
            raise Http404
        consent = consent_withdraw(consent=consent, actor=request.user)
        # the referrals resting on it stop now (each would be refused at its next release anyway)
        withdrawn = referrals.referrals_recheck(complaint_ids=[complaint.pk])
        return Response(
            {"id": consent.pk, "withdrawn_at": consent.withdrawn_at, "referrals_withdrawn": withdrawn}
        )


class LegalOrderView(StaffAPIView):
    multipart_text_parts = ("agency", "reference", "issuing_authority", "issued_on", "provision", "fields")
    permission_classes = [IsStaff]
    parser_classes = [MultiPartParser, JSONParser]

    @extend_schema(
        operation_id="staff_legal_order_record",
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "agency": {"type": "string", "pattern": TEXT_PATTERN},
                    "reference": {"type": "string", "pattern": TEXT_PATTERN},
                    "issuing_authority": {"type": "string", "pattern": TEXT_PATTERN},
                    "issued_on": {"type": "string", "format": "date", "pattern": DATE_PATTERN},
                    "provision": {"type": "string", "pattern": TEXT_PATTERN},
                    "fields": {"type": "string", "description": "JSON list", "pattern": TEXT_PATTERN},
                    "document": {"type": "string", "format": "binary"},
                },
            }
        },
        responses={201: dict, 400: ErrorResponseSerializer},
    )
    def post(self, request, reference: str):
        from django.utils.dateparse import parse_date

        complaint = _worked(request, reference)
        agency = Agency.objects.filter(code=request.data.get("agency", "")).first()
        if agency is None:
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("Unknown agency."),
                fields={"agency": [_("Name the agency the order requires disclosure to.")]},
            )
        issued_on = parse_date(request.data.get("issued_on") or "")
        if issued_on is None:
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("Give the order's date."),
                fields={"issued_on": [_("A date like 2026-11-20.")]},
            )
        try:
            fields = json.loads(request.data.get("fields") or "[]")
        except json.JSONDecodeError as exc:
            raise ApiError(
                status_code=400,
                code="validation_error",
                message=_("fields must be a JSON list."),
                fields={"fields": [_("A JSON list of field names.")]},
            ) from exc
        order = legal_order_record(
            complaint=complaint,
            agency=agency,
            reference=request.data.get("reference", ""),
            issuing_authority=request.data.get("issuing_authority", ""),
            issued_on=issued_on,
            provision=request.data.get("provision", ""),
            document=request.FILES.get("document"),
            fields=fields,
            actor=request.user,
        )
        return Response(
            {"id": order.pk, "document_sha256": order.document_sha256}, status=status.HTTP_201_CREATED
        )


class ReferralQueueView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_referral_queue",
        parameters=[ReferralStateParams],
        responses={200: ReferralOut(many=True)},
    )
    def get(self, request):
        rows = selectors.referrals_for_supervision(
            actor=request.user, state=ReferralStateParams.of(request).get("state")
        )
        return Response(ReferralOut(rows[:500], many=True).data)


class ReferralResendView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_referral_resend",
        request=None,
        responses={200: ReferralOut, 403: ErrorResponseSerializer, 409: ErrorResponseSerializer},
    )
    def post(self, request, pk: int):
        ref = access_referral(request.user, pk, need=Can.REFERRAL_RESEND)
        try:
            ref = referrals.referral_resend(referral=ref, actor=request.user)
        except ValueError as exc:
            raise ApiError(status_code=409, code="not_failed", message=str(exc)) from exc
        return Response(ReferralOut(ref).data)

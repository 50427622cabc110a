"""Fraud-intelligence API: staff see linked complaints, indicators and clusters and link or merge
cases; agencies pull indicators through the gate. Thin views: ``access`` decides, services write,
selectors read."""

from __future__ import annotations

import json

from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from knox.auth import TokenAuthentication
from rest_framework import serializers, status
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from complaints.permissions import IsStaff
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.session import VerifiedSessionAuthentication as SessionAuthentication
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView
from routing.agency_auth import AgencyKeyAuthentication, agency_actor
from routing.disclosure import DisclosureRefused

from . import access, selectors, services
from .export import FORMATS
from .models import Indicator, IndicatorKind


class LinkedComplaintOut(serializers.Serializer):
    reference = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    channel = serializers.CharField()
    received_at = serializers.DateTimeField()
    status = serializers.CharField()


class IndicatorLinkedOut(serializers.Serializer):
    indicator_id = serializers.IntegerField()
    kind = serializers.CharField()
    value = serializers.CharField()
    bank = serializers.CharField()
    state = serializers.CharField()
    others = serializers.IntegerField(help_text="other complaints that share it (duplicates not counted)")
    total_lost = serializers.DecimalField(max_digits=16, decimal_places=2)
    first_seen = serializers.DateTimeField(allow_null=True)
    last_seen = serializers.DateTimeField(allow_null=True)
    complaints = LinkedComplaintOut(many=True, help_text=f"the latest {selectors.LINKED_LIMIT}")


class ComplaintLinkOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    complaint = serializers.CharField(source="complaint.reference")
    other = serializers.CharField(source="other.reference")
    reason = serializers.CharField()
    created_by = serializers.CharField(source="created_by.username")
    created_at = serializers.DateTimeField()
    undone_at = serializers.DateTimeField(allow_null=True)
    undone_by = serializers.CharField(source="undone_by.username", allow_null=True, default=None)


class PossibleDuplicateOut(LinkedComplaintOut):
    indicators = serializers.ListField(child=serializers.DictField(child=serializers.CharField()))


class ComplaintLinkedOut(serializers.Serializer):
    reference = serializers.CharField()
    duplicate_of = serializers.CharField(allow_null=True)
    indicators = IndicatorLinkedOut(many=True)
    links = ComplaintLinkOut(many=True)
    possible_duplicates = PossibleDuplicateOut(many=True)


_datetime = serializers.DateTimeField()  # the API's one datetime form, without a serializer per row


def _when(value) -> str | None:
    return _datetime.to_representation(value) if value else None


def linked_json(items) -> list[dict]:
    """The linked answer as plain data, built directly (the answer is read while an agent works and
    may list hundreds of complaints; per-row serializer fields would be most of its time). The
    shape is ``IndicatorLinkedOut``'s."""
    return [
        {
            "indicator_id": i.indicator_id,
            "kind": i.kind,
            "value": i.value,
            "bank": i.bank,
            "state": i.state,
            "others": i.others,
            "total_lost": f"{i.total_lost:.2f}",
            "first_seen": _when(i.first_seen),
            "last_seen": _when(i.last_seen),
            "complaints": [
                {
                    "reference": c["reference"],
                    "category": c["category"],
                    "channel": c["channel"],
                    "received_at": _when(c["received_at"]),
                    "status": c["status"],
                }
                for c in i.complaints
            ],
        }
        for i in items
    ]


class ComplaintLinkedView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_complaint_linked",
        responses={200: ComplaintLinkedOut, 404: ErrorResponseSerializer},
    )
    def get(self, request, reference: str):
        complaint = access.complaint_for(request.user, reference, access.Need.READ)
        items = selectors.complaint_linked(actor=request.user, complaint=complaint)
        possible = selectors.complaint_possible_duplicates(
            actor=request.user, complaint=complaint, items=items
        )
        return Response(
            {
                "reference": complaint.reference,
                "duplicate_of": complaint.duplicate_of.reference if complaint.duplicate_of_id else None,
                "indicators": linked_json(items),
                "links": ComplaintLinkOut(
                    selectors.links_of(actor=request.user, complaint=complaint), many=True
                ).data,
                "possible_duplicates": PossibleDuplicateOut(possible, many=True).data,
            }
        )


class IndicatorSearchIn(StrictSerializer):
    value = serializers.CharField(max_length=500)


class IndicatorSearchView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_indicator_search",
        parameters=[IndicatorSearchIn],
        responses={
            200: IndicatorLinkedOut(many=True),
            400: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
        },
    )
    def get(self, request):
        access.require(request.user, access.Need.READ)
        params = IndicatorSearchIn(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        found = selectors.indicator_search(actor=request.user, value=params.validated_data["value"])
        return Response(linked_json(found))


class IndicatorStateIn(StrictSerializer):
    state = serializers.ChoiceField(choices=Indicator.State.choices)
    reason = serializers.CharField(max_length=500)


class IndicatorOut(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    value = serializers.CharField()
    bank = serializers.CharField()
    state = serializers.CharField()
    state_reason = serializers.CharField()
    state_changed_by = serializers.CharField(
        source="state_changed_by.username", allow_null=True, default=None
    )
    state_changed_at = serializers.DateTimeField(allow_null=True)


class IndicatorStateView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_indicator_state",
        request=IndicatorStateIn,
        responses={200: IndicatorOut, 400: ErrorResponseSerializer, 404: ErrorResponseSerializer},
    )
    def post(self, request, pk: int):
        indicator = selectors.indicator_get(actor=request.user, pk=pk)
        data = IndicatorStateIn(data=request.data)
        data.is_valid(raise_exception=True)
        updated = services.indicator_state_set(indicator=indicator, actor=request.user, **data.validated_data)
        return Response(IndicatorOut(updated).data)


class ComplaintLinkIn(StrictSerializer):
    related = serializers.CharField(max_length=32, help_text="reference of the related complaint")
    reason = serializers.CharField(max_length=500)


def _other(request, reference: str, field: str):
    try:
        return access.complaint_for(request.user, reference, access.Need.WORK)
    except Http404 as exc:
        raise ApiError(
            status_code=400,
            code="validation_error",
            message=_("No such complaint."),
            fields={field: [_("No complaint with this reference.")]},
        ) from exc


class ComplaintLinkView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_complaint_link",
        request=ComplaintLinkIn,
        responses={201: ComplaintLinkOut, 400: ErrorResponseSerializer, 404: ErrorResponseSerializer},
    )
    def post(self, request, reference: str):
        complaint = access.complaint_for(request.user, reference, access.Need.WORK)
        data = ComplaintLinkIn(data=request.data)
        data.is_valid(raise_exception=True)
        other = _other(request, data.validated_data["related"], "related")
        link = services.complaint_link_related(
            complaint=complaint, other=other, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(ComplaintLinkOut(link).data, status=status.HTTP_201_CREATED)


class LinkUndoIn(StrictSerializer):
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class LinkUndoView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_link_undo",
        request=LinkUndoIn,
        responses={200: ComplaintLinkOut, 400: ErrorResponseSerializer, 404: ErrorResponseSerializer},
    )
    def post(self, request, pk: int):
        link = selectors.link_get(actor=request.user, pk=pk)
        data = LinkUndoIn(data=request.data)
        data.is_valid(raise_exception=True)
        link = services.complaint_link_undo(
            link=link, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(ComplaintLinkOut(link).data)


class DuplicateMarkIn(StrictSerializer):
    of = serializers.CharField(max_length=32, help_text="reference of the surviving complaint")
    reason = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")


class ComplaintDuplicateView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_complaint_duplicate",
        request=DuplicateMarkIn,
        responses={
            201: ComplaintLinkOut,
            400: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
        },
    )
    def post(self, request, reference: str):
        complaint = access.complaint_for(request.user, reference, access.Need.WORK)
        data = DuplicateMarkIn(data=request.data)
        data.is_valid(raise_exception=True)
        survivor = _other(request, data.validated_data["of"], "of")
        link = services.complaint_mark_duplicate(
            complaint=complaint,
            survivor=survivor,
            actor=request.user,
            reason=data.validated_data["reason"],
        )
        return Response(ComplaintLinkOut(link).data, status=status.HTTP_201_CREATED)


class ComplaintDuplicateUndoOut(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()


class ComplaintDuplicateUndoView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_complaint_duplicate_undo",
        request=LinkUndoIn,
        responses={
            200: ComplaintDuplicateUndoOut,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
        },
    )
    def post(self, request, reference: str):
        complaint = access.complaint_for(request.user, reference, access.Need.WORK)
        data = LinkUndoIn(data=request.data)
        data.is_valid(raise_exception=True)
        restored = services.complaint_duplicate_undo(
            complaint=complaint, actor=request.user, reason=data.validated_data["reason"]
        )
        return Response(ComplaintDuplicateUndoOut(restored).data)


# --- agencies ------------------------------------------------------------------------------------


class IndicatorExportIn(StrictSerializer):
    # not "format": DRF keeps ?format= for choosing a renderer
    output = serializers.ChoiceField(choices=list(FORMATS), default="csv", help_text="csv or misp (JSON)")
    kind = serializers.ChoiceField(choices=IndicatorKind.choices, required=False)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)


class CSVRenderer(BaseRenderer):
    """Lets a client ask for ``Accept: text/csv``; the export's bytes are built by ``export``. An
    error answer (the API's one format) is still JSON."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if isinstance(data, bytes | str):
            return data
        return json.dumps(data, ensure_ascii=False).encode()


class AgencyIndicatorExportView(StaffAPIView):
    """Only an agency (its system's key, or an officer) whose agreement covers "indicator sharing";
    anyone else 404. Each answer is one transfer record."""

    authentication_classes = [AgencyKeyAuthentication, TokenAuthentication, SessionAuthentication]
    permission_classes = [IsAuthenticated]
    renderer_classes = [JSONRenderer, CSVRenderer]

    @extend_schema(
        operation_id="agency_indicator_export",
        parameters=[IndicatorExportIn],
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR,
                description="output=csv: kind,value,bank,complaints,total_loss,first_seen,last_seen; "
                "output=misp: a MISP event (application/json) with one object per indicator",
            ),
            403: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
        },
    )
    def get(self, request):
        actor = agency_actor(request)
        if actor is None:
            raise Http404
        params = IndicatorExportIn(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        p = params.validated_data
        try:
            exported = services.indicator_export(
                agency=actor.agency,
                actor_label=actor.name,
                fmt=p["output"],
                kind=p.get("kind"),
                since=p.get("since"),
                until=p.get("until"),
            )
        except DisclosureRefused as exc:
            raise ApiError(status_code=exc.status, code=exc.code, message=exc.reason) from exc
        response = HttpResponse(exported.body, content_type=exported.content_type)
        response["X-Indicator-Count"] = str(exported.count)
        response["X-Export-Id"] = exported.export_id
        response["Cache-Control"] = "no-store"
        return response

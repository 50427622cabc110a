"""Staff API: agents, supervisors and administrators work cases; reads are logged."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.schema import paginated
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView
from privacy.minimum_data import normalise_phone

from .. import selectors
from ..access import Can, require
from ..models import Channel, Status, User
from ..permissions import IsStaff
from ..services import actions, intake, lifecycle
from ..serving import attachment_served
from ..statistics import complaint_statistics, statistics_period


class ComplainantOut(serializers.Serializer):
    is_anonymous = serializers.BooleanField()
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    address = serializers.CharField()


class ComplaintRowOut(serializers.Serializer):
    reference = serializers.CharField()
    channel = serializers.CharField()
    category = serializers.CharField(source="category.code", allow_null=True, default=None)
    status = serializers.CharField()
    priority = serializers.CharField()
    received_at = serializers.DateTimeField()
    sla_due_at = serializers.DateTimeField(allow_null=True)
    assigned_to = serializers.CharField(source="assigned_to.username", allow_null=True, default=None)
    complainant = ComplainantOut()


class EventOut(serializers.Serializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField(source="created_at")
    kind = serializers.CharField()
    is_public = serializers.BooleanField()
    from_status = serializers.CharField()
    to_status = serializers.CharField()
    text = serializers.CharField()
    actor = serializers.CharField(source="actor.username", allow_null=True, default=None)


class AttachmentOut(serializers.Serializer):
    id = serializers.IntegerField()
    original_name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    uploaded_at = serializers.DateTimeField()


class ComplaintDetailOut(ComplaintRowOut):
    description = serializers.CharField()
    incident_url = serializers.CharField()
    incident_at = serializers.DateTimeField(allow_null=True)
    amount_lost = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    other_party_account = serializers.CharField()
    other_party_phone = serializers.CharField()
    allowed_transitions = serializers.SerializerMethodField()
    timeline = EventOut(many=True, source="events.all")
    attachments = AttachmentOut(many=True, source="attachments.all")

    def get_allowed_transitions(self, obj) -> list[str]:
        return lifecycle.allowed_next(obj.status)


class ListFilters(StrictSerializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    category = serializers.SlugField(required=False)
    channel = serializers.ChoiceField(choices=Channel.choices, required=False)
    reference = serializers.CharField(required=False)
    phone = serializers.CharField(required=False)
    email = serializers.CharField(required=False)
    received_from = serializers.DateField(required=False)
    received_to = serializers.DateField(required=False)
    assigned_to_me = serializers.BooleanField(required=False, default=False)
    q = serializers.CharField(required=False, max_length=200)
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200)
    offset = serializers.IntegerField(required=False, min_value=0)


class ComplaintListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_complaint_list",
        parameters=[ListFilters],
        responses={200: paginated(ComplaintRowOut), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        params = ListFilters(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        f = {k: v for k, v in params.validated_data.items() if k not in ("limit", "offset")}
        if f.get("phone"):
            try:
                f["phone"] = normalise_phone(f["phone"])
            except DjangoValidationError as exc:
                raise ApiError(
                    status_code=400,
                    code="validation_error",
                    message=_("Not a valid phone number."),
                    fields={"phone": [_("Not a valid phone number.")]},
                ) from exc
        qs = selectors.complaint_list(actor=request.user, filters=selectors.ComplaintFilters(**f))
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(qs, request, view=self)
        action = "search" if (f.get("phone") or f.get("email") or f.get("q")) else "list"
        selectors.personal_data_read_log(actor=request.user, complaints=page, action=action)
        return paginator.get_paginated_response(ComplaintRowOut(page, many=True).data)


class ComplaintDetailView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_complaint_get", responses={200: ComplaintDetailOut, 404: ErrorResponseSerializer}
    )
    def get(self, request, reference: str):
        complaint = selectors.complaint_get(actor=request.user, reference=reference)
        selectors.personal_data_read_log(actor=request.user, complaints=[complaint], action="view")
        return Response(ComplaintDetailOut(complaint).data)


def _worked_complaint(request, reference: str):
    return selectors.complaint_get(actor=request.user, reference=reference, need=Can.CASE_WORK)


class StatusIn(StrictSerializer):
    status = serializers.ChoiceField(choices=Status.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=5000, default="")
    is_public = serializers.BooleanField(
        required=False,
        default=False,
        help_text="show the note to the citizen; otherwise it is an internal note (the status is always shown)",
    )


class ComplaintStatusView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_complaint_status_change",
        request=StatusIn,
        responses={200: ComplaintDetailOut, 404: ErrorResponseSerializer, 409: ErrorResponseSerializer},
    )
    def post(self, request, reference: str):
        complaint = _worked_complaint(request, reference)
        data = StatusIn(data=request.data)
        data.is_valid(raise_exception=True)
        actions.complaint_status_change(
            complaint=complaint,
            actor=request.user,
            to_status=data.validated_data["status"],
            note=data.validated_data["note"],
            note_public=data.validated_data["is_public"],
        )
        return Response(
            ComplaintDetailOut(selectors.complaint_get(actor=request.user, reference=reference)).data
        )


class NoteIn(StrictSerializer):
    text = serializers.CharField(max_length=10000)
    public = serializers.BooleanField(default=False)


class ComplaintNoteView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_complaint_note_add", request=NoteIn, responses={201: EventOut})
    def post(self, request, reference: str):
        complaint = _worked_complaint(request, reference)
        data = NoteIn(data=request.data)
        data.is_valid(raise_exception=True)
        event = actions.complaint_note_add(complaint=complaint, actor=request.user, **data.validated_data)
        return Response(EventOut(event).data, status=status.HTTP_201_CREATED)


class AssignIn(StrictSerializer):
    assignee = serializers.CharField(allow_null=True, help_text="username, or null to unassign")


class ComplaintAssignView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_complaint_assign", request=AssignIn, responses={200: ComplaintRowOut})
    def post(self, request, reference: str):
        complaint = _worked_complaint(request, reference)
        data = AssignIn(data=request.data)
        data.is_valid(raise_exception=True)
        name = data.validated_data["assignee"]
        assignee = None
        if name:
            assignee = User.objects.filter(username=name, is_active=True).first()
            if assignee is None:
                raise ApiError(
                    status_code=400,
                    code="validation_error",
                    message=_("No such active user."),
                    fields={"assignee": [_("No active staff user '%(name)s'.") % {"name": name}]},
                )
        actions.complaint_assign(complaint=complaint, actor=request.user, assignee=assignee)
        return Response(ComplaintRowOut(complaint).data)


class IncidentEditIn(StrictSerializer):
    website_url = serializers.URLField(required=False, allow_blank=True, max_length=2000, default="")
    occurred_at = serializers.DateTimeField(required=False, allow_null=True, default=None)
    amount_lost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    other_party_account = serializers.CharField(required=False, allow_blank=True, max_length=100, default="")
    other_party_phone = serializers.CharField(required=False, allow_blank=True, max_length=20, default="")
    description = serializers.CharField(required=False, max_length=10000, help_text="unchanged when absent")


class ComplaintIncidentView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_complaint_incident_update",
        request=IncidentEditIn,
        responses={200: ComplaintDetailOut, 400: ErrorResponseSerializer, 404: ErrorResponseSerializer},
    )
    def post(self, request, reference: str):
        """Correct the incident facts (all of them are replaced; absent ones become empty)."""
        complaint = _worked_complaint(request, reference)
        data = IncidentEditIn(data=request.data)
        data.is_valid(raise_exception=True)
        facts = dict(data.validated_data)
        description = facts.pop("description", None)
        actions.complaint_incident_update(
            complaint=complaint,
            actor=request.user,
            incident=intake.incident_from(facts),
            description=description,
        )
        return Response(
            ComplaintDetailOut(selectors.complaint_get(actor=request.user, reference=reference)).data
        )


class AttachmentDownloadView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_attachment_download", responses={(200, "application/octet-stream"): bytes}
    )
    def get(self, request, pk: int):
        return attachment_served(actor=request.user, pk=pk)


class StatisticsView(StaffAPIView):
    """Aggregate statistics for centre staff (MOST-1): the same suppressed tables as the public page."""

    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_statistics",
        summary="Aggregate statistics (no count under 5 shown)",
        parameters=[
            OpenApiParameter("from", str, description="first month, YYYY-MM (default: 12 months ago)"),
            OpenApiParameter("to", str, description="last month, YYYY-MM (default: this month)"),
        ],
        responses={200: dict, 400: ErrorResponseSerializer},
    )
    def get(self, request):
        require(request.user, Can.CASE_READ)
        start, end = statistics_period(request.query_params.get("from"), request.query_params.get("to"))
        return Response(complaint_statistics(start=start, end=end))

"""Faxes for agents: the transcription queue, page previews, and the transcription itself."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.pagination import LimitOffsetPagination
from rest_framework.response import Response

from complaints.models import Category
from complaints.permissions import IsStaff
from complaints.services.intake import incident_from
from occ.api.errors import ErrorResponseSerializer
from occ.api.schema import paginated
from occ.api.strict import StrictSerializer
from occ.api.views import StaffAPIView

from .. import selectors, services
from .calls import IncidentIn, require_worker


class FaxPageOut(serializers.Serializer):
    number = serializers.IntegerField()
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    def get_url(self, obj) -> str:
        return f"/api/v1/staff/faxes/{obj.fax_id}/pages/{obj.number}/"


class FaxOut(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField(source="complaint.reference")
    status = serializers.CharField(source="complaint.status")
    needs_transcription = serializers.BooleanField()
    pages = serializers.IntegerField()
    content_type = serializers.CharField()
    compression = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    sender_number = serializers.CharField()
    receiving_line = serializers.CharField()
    received_at = serializers.DateTimeField()
    source = serializers.CharField()
    previews = serializers.CharField(help_text="pending, ready or failed")
    previews_error = serializers.CharField()
    page_previews = FaxPageOut(many=True, source="page_previews.all")
    file_download_url = serializers.SerializerMethodField(help_text="the original fax (access-logged)")
    transcribed_at = serializers.DateTimeField(allow_null=True)

    def get_file_download_url(self, obj) -> str | None:
        return f"/api/v1/staff/attachments/{obj.attachment_id}/download/" if obj.attachment_id else None


class FaxFilters(StrictSerializer):
    needs_transcription = serializers.ChoiceField(
        choices=["true", "false", "all"], required=False, default="true"
    )
    limit = serializers.IntegerField(required=False, min_value=1, max_value=200)
    offset = serializers.IntegerField(required=False, min_value=0)


class FaxListView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_fax_list",
        summary="Faxes; by default those waiting for transcription",
        parameters=[FaxFilters],
        responses={200: paginated(FaxOut), 400: ErrorResponseSerializer},
    )
    def get(self, request):
        params = FaxFilters(data=request.query_params.dict())
        params.is_valid(raise_exception=True)
        wanted = {"true": True, "false": False, "all": None}[params.validated_data["needs_transcription"]]
        paginator = LimitOffsetPagination()
        page = paginator.paginate_queryset(
            selectors.faxes_list(actor=request.user, needs_transcription=wanted), request, view=self
        )
        selectors.faxes_read_log(actor=request.user, faxes=page, action="list")
        return paginator.get_paginated_response(FaxOut(page, many=True).data)


class FaxDetailView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(operation_id="staff_fax_get", responses={200: FaxOut, 404: ErrorResponseSerializer})
    def get(self, request, pk: int):
        fax = selectors.fax_get(actor=request.user, pk=pk)
        selectors.faxes_read_log(actor=request.user, faxes=[fax], action="view")
        return Response(FaxOut(fax).data)


class FaxPageView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_fax_page_preview",
        summary="PNG preview of one page (access-logged)",
        responses={(200, "image/png"): OpenApiTypes.BINARY, 404: ErrorResponseSerializer},
    )
    def get(self, request, pk: int, number: int):
        page = selectors.fax_page_get(actor=request.user, pk=pk, number=number)
        response = FileResponse(page.preview.open("rb"), content_type="image/png")
        response["X-Content-Type-Options"] = "nosniff"
        response["Cache-Control"] = "private, no-store"
        response["Content-Security-Policy"] = "default-src 'none'; sandbox"
        return response


class ContactIn(StrictSerializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000)


class TranscribeIn(StrictSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    description = serializers.CharField(max_length=10000)
    complainant = ContactIn(required=False, help_text="contact details written on the fax, if any")
    incident = IncidentIn(required=False)


class FaxTranscribeView(StaffAPIView):
    permission_classes = [IsStaff]

    @extend_schema(
        operation_id="staff_fax_transcribe",
        summary="Transcribe a fax: category, description, contact",
        request=TranscribeIn,
        responses={
            200: FaxOut,
            400: ErrorResponseSerializer,
            403: ErrorResponseSerializer,
            404: ErrorResponseSerializer,
            409: ErrorResponseSerializer,
        },
    )
    def post(self, request, pk: int):
        fax = selectors.fax_get(actor=request.user, pk=pk)
        require_worker(request)
        data = TranscribeIn(data=request.data)
        data.is_valid(raise_exception=True)
        v = data.validated_data
        try:
            services.fax_transcribe(
                actor=request.user,
                fax=fax,
                category=v["category"],
                description=v["description"],
                identity=dict(v.get("complainant") or {}),
                incident=incident_from(v["incident"]) if v.get("incident") is not None else None,
            )
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):  # e.g. FaxAlreadyTranscribed, a domain error
                raise
            raise ValidationError(
                {
                    (f"complainant.{k}" if k in ("name", "phone", "email", "address", "contact") else k): v
                    for k, v in exc.message_dict.items()
                }
            ) from exc
        return Response(FaxOut(selectors.fax_get(actor=request.user, pk=pk)).data)

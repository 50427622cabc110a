"""Web/app channel: the public intake API. Parses and validates the request, then calls the one
intake service ``complaints.services.intake.complaint_register``."""

from __future__ import annotations

import hashlib
import json
from decimal import ROUND_HALF_EVEN, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from complaints.idempotency import idempotent_answer
from complaints.models import IDENTITY_FIELDS, Category
from complaints.reference_data import category_active
from complaints.services.evidence import evidence_check
from complaints.services.intake import complaint_register, expected_response_date, incident_from
from occ.api import fastbody
from occ.api.errors import ApiError, ErrorResponseSerializer
from occ.api.parsers import LimitedJSONParser, LimitedMultiPartParser, json_body_load
from occ.api.strict import StrictSerializer
from occ.api.throttling import ScopedRateThrottle
from occ.api.views import PublicAPIView
from privacy.middleware import traffic_mark, traffic_record_in_transaction


class ComplainantIn(StrictSerializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=200)
    phone = serializers.CharField(required=False, allow_blank=True, max_length=40)
    email = serializers.CharField(required=False, allow_blank=True, max_length=254)
    address = serializers.CharField(required=False, allow_blank=True, max_length=1000)
    national_id = serializers.CharField(required=False, allow_blank=True, max_length=20)


class CoordinateField(serializers.DecimalField):
    """Degrees, rounded to six decimals (about 10 cm): clients send floats with more."""

    def __init__(self, *, limit: int, **kwargs):
        super().__init__(max_digits=9, decimal_places=6, min_value=-limit, max_value=limit, **kwargs)

    def validate_precision(self, value):
        return super().validate_precision(value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN))


class IncidentIn(StrictSerializer):
    website_url = serializers.URLField(required=False, allow_blank=True, max_length=2000)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    amount_lost = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True
    )
    other_party_account = serializers.CharField(required=False, allow_blank=True, max_length=100)
    other_party_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)
    latitude = CoordinateField(limit=90, required=False, allow_null=True)
    longitude = CoordinateField(limit=180, required=False, allow_null=True)
    address = serializers.CharField(required=False, allow_blank=True, max_length=500)
    province = serializers.CharField(required=False, allow_blank=True, max_length=100)


class ComplaintIn(StrictSerializer):
    category = serializers.SlugRelatedField(
        slug_field="code", queryset=Category.objects.filter(is_active=True)
    )
    channel = serializers.ChoiceField(choices=["web", "app"])
    description = serializers.CharField(max_length=10000)
    complainant = ComplainantIn(required=False)
    anonymous = serializers.BooleanField(default=False)
    incident = IncidentIn(required=False)


# --- the lean path (occ.api.fastbody): the same rules, no serializer built for a valid body --------
# The serializers' own fields, built once, and a Struct of exactly those fields (unknown ones refused
# at every depth): the values meet exactly the rules the serializer states.
_FIELDS = fastbody.lean_fields(ComplaintIn())
_ComplaintBody = fastbody.struct_for("ComplaintBody", _FIELDS)


def _category(code):
    category = category_active(code) if isinstance(code, str) else None  # per-process copy: no query
    if category is None:
        raise fastbody.Refused
    return category


def _complaint_lean(payload) -> dict:
    return fastbody.given(fastbody.shape(payload, _ComplaintBody), _FIELDS, {"category": _category})


class IntakeAttachmentOut(serializers.Serializer):
    name = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()


class ComplaintCreatedOut(serializers.Serializer):
    reference = serializers.CharField()
    tracking_code = serializers.CharField(help_text="Shown once. Only its hash is stored.")
    status = serializers.CharField()
    received_at = serializers.DateTimeField()
    expected_response_date = serializers.DateField(allow_null=True)
    attachments = IntakeAttachmentOut(many=True)


_DATETIME = serializers.DateTimeField()  # built once; renders as ComplaintCreatedOut does


def _multipart_payload(request) -> tuple[dict, list]:
    extra = sorted(k for k in request.data if k not in ("data", "attachments"))
    extra_files = sorted(k for k in request.FILES if k != "attachments")
    if extra or extra_files:
        raise ApiError(
            status_code=400,
            code="validation_error",
            message=_("Unknown multipart parts."),
            fields={
                k: [_("Unknown part: send the complaint as JSON in 'data' and files in 'attachments'.")]
                for k in extra + extra_files
            },
        )
    raw = request.data.get("data")
    if not isinstance(raw, str):
        raise ApiError(
            status_code=400,
            code="validation_error",
            message=_("The 'data' part is missing."),
            fields={"data": [_("Send the complaint as a JSON document in the 'data' part.")]},
        )
    payload = json_body_load(raw, field="data")  # the same limits as a JSON body
    return payload, request.FILES.getlist("attachments")


def _register(**kwargs):
    """Call the one intake service; name identity errors by their place in the body."""
    try:
        return complaint_register(**kwargs)
    except DjangoValidationError as exc:
        errors = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        raise DjangoValidationError(
            {(f"complainant.{k}" if k in (*IDENTITY_FIELDS, "contact") else k): v for k, v in errors.items()}
        ) from exc


def intake_validate(payload: dict, uploads: list) -> tuple[dict, list]:
    """Validate a web/app complaint and its files (the API and the citizen portal share this).
    Raises DRF ValidationError, ApiError or EvidenceRejected (a DomainError), each with the one
    error shape."""
    data = fastbody.validated(payload, _complaint_lean, ComplaintIn)
    if len(uploads) > settings.OCC["ATTACHMENT_MAX_COUNT"]:
        raise ApiError(
            status_code=400,
            code="too_many_files",
            message=_("At most %(count)s files per complaint.")
            % {"count": settings.OCC["ATTACHMENT_MAX_COUNT"]},
            fields={
                "attachments": [
                    _("At most %(count)s files.") % {"count": settings.OCC["ATTACHMENT_MAX_COUNT"]}
                ]
            },
        )
    files = [evidence_check(f, name=f.name) for f in uploads]  # EvidenceRejected: a domain error
    return data, files


def intake_register(data: dict, files: list, also=None, savepoint: bool = True):
    """``savepoint=False``: the caller rolls its own transaction back whole when this raises (the
    API's Idempotency-Key block), so the intake opens no savepoint inside it (complaint_register)."""
    return _register(
        also=also,
        savepoint=savepoint,
        channel=data["channel"],
        category=data["category"],
        description=data["description"],
        identity=dict(data.get("complainant", {})),
        anonymous=data["anonymous"],
        incident=incident_from(data.get("incident", {})),
        files=files,
    )


class ComplaintMultipartIn(serializers.Serializer):
    data = serializers.CharField(help_text="The complaint as a JSON document (the application/json body).")
    attachments = serializers.ListField(child=serializers.FileField(), required=False)


class ComplaintIntakeView(PublicAPIView):
    parser_classes = [LimitedJSONParser, LimitedMultiPartParser]
    throttle_scope = "intake"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        operation_id="complaint_file",
        summary="File a complaint (web or app)",
        description=(
            "JSON body, or multipart/form-data with the JSON in a part named `data` and files in parts "
            "named `attachments`. Unknown fields anywhere are refused (minimum data). An "
            "`Idempotency-Key` header makes retries safe."
        ),
        request={"application/json": ComplaintIn, "multipart/form-data": ComplaintMultipartIn},
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER, required=False)],
        responses={
            201: ComplaintCreatedOut,
            400: ErrorResponseSerializer,
            409: OpenApiResponse(
                ErrorResponseSerializer, description="Idempotency-Key reused with another body"
            ),
            413: ErrorResponseSerializer,
            429: ErrorResponseSerializer,
        },
    )
    def post(self, request):
        traffic_mark(request, channel="web")
        if request.content_type.startswith("multipart/"):
            payload, uploads = _multipart_payload(request)
        else:
            payload, uploads = request.data, []
        if not isinstance(payload, dict):
            raise ApiError(
                status_code=400, code="validation_error", message=_("The body must be a JSON object.")
            )
        data, files = intake_validate(payload, uploads)
        traffic_mark(request, channel=data["channel"])

        def work() -> tuple[int, dict]:
            registered = intake_register(
                data,
                files,
                # inside the Idempotency-Key's transaction (rolled back whole on an error) or none
                savepoint=False,
                # the traffic record in the intake's own transaction: one commit, not two
                also=lambda c: traffic_record_in_transaction(
                    request, status_code=status.HTTP_201_CREATED, reference=c.reference
                ),
            )
            c = registered.complaint
            due = expected_response_date(c)
            body = {  # ComplaintCreatedOut's shape (declared for the schema), written directly
                "reference": c.reference,
                "tracking_code": registered.tracking_code,
                "status": c.status,
                "received_at": _DATETIME.to_representation(c.received_at),
                "expected_response_date": due.isoformat() if due else None,
                "attachments": [
                    {
                        "name": f.original_name,
                        "content_type": f.content_type,
                        "size": f.size,
                        "sha256": f.sha256,
                    }
                    for f in files
                ],
            }
            return status.HTTP_201_CREATED, body

        code, body = idempotent_answer(
            request,
            scope="complaint_file",
            request_hash=lambda: hashlib.sha256(
                json.dumps(payload, sort_keys=True, default=str).encode()
                + b"".join(f.sha256.encode() for f in files)
            ).hexdigest(),
            work=work,
        )
        traffic_mark(request, reference=body.get("reference", ""))
        return Response(body, status=code)

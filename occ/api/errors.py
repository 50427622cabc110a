"""The API's one error format.

Every error answer is ``{"error": {"code": str, "message": str, "fields": {path: [str, ...]}}}``
where ``path`` is a dotted path into the request body (``complainant.phone``); ``fields`` is
empty when the error is not about a field.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, TooManyFieldsSent, TooManyFilesSent
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, JsonResponse
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from occ.errors import DomainError


class ApiError(exceptions.APIException):
    """An error with its own code, status and optional per-field messages."""

    def __init__(self, *, status_code: int, code: str, message: str, fields: dict | None = None):
        self.status_code = status_code
        self.error_code = code
        self.message = message
        self.fields = fields or {}
        super().__init__(detail=message, code=code)


def flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into {dotted.path: [messages]}."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = "" if key in ("non_field_errors", "__all__") else str(key)
            path = f"{prefix}.{name}" if prefix and name else (name or prefix)
            for k, v in flatten(value, path).items():
                out.setdefault(k, []).extend(v)
    elif isinstance(detail, list):
        if all(not isinstance(v, dict | list) for v in detail):
            out.setdefault(prefix or "non_field_errors", []).extend(str(v) for v in detail)
        else:
            for i, value in enumerate(detail):
                for k, v in flatten(value, f"{prefix}.{i}" if prefix else str(i)).items():
                    out.setdefault(k, []).extend(v)
    else:
        out.setdefault(prefix or "non_field_errors", []).append(str(detail))
    return out


def error_body(code: str, message: str, fields: dict | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or {}}}


def domain_error_response(exc: DomainError) -> Response:
    """A service's refusal in the one error format, its message in the reader's language."""
    response = Response(error_body(exc.code, exc.text, exc.api_fields()), status=exc.status_code)
    for name, value in exc.api_headers().items():
        response[name] = value
    return response


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DomainError):
        return domain_error_response(exc)
    if isinstance(exc, RequestDataTooBig):
        exc = ApiError(status_code=413, code="body_too_large", message=_("The request body is too large."))
    elif isinstance(exc, TooManyFieldsSent | TooManyFilesSent):
        exc = ApiError(status_code=400, code="too_many_parts", message=_("The request has too many parts."))
    if isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        exc = exceptions.ValidationError(detail)
    elif isinstance(exc, PermissionError | DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()

    if isinstance(exc, ApiError):
        response = Response(error_body(exc.error_code, exc.message, exc.fields), status=exc.status_code)
        return response

    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        fields = flatten(exc.detail)
        names = ", ".join(sorted(k for k in fields if k != "non_field_errors"))
        message = (
            f"The request has errors in: {names}." if names else "; ".join(fields.get("non_field_errors", []))
        )
        response.data = error_body("validation_error", message, fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else str(exc)
        codes = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
        code = codes if isinstance(codes, str) else "error"
        response.data = error_body(code, str(detail))
    return response


def axes_lockout_response(request, credentials, *args, **kwargs) -> JsonResponse:
    return JsonResponse(
        error_body("locked_out", "Too many failed log-ins. Try again later."),
        status=status.HTTP_429_TOO_MANY_REQUESTS,
    )


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()))


class ErrorResponseSerializer(serializers.Serializer):
    """The documented error shape of the whole API."""

    error = ErrorDetailSerializer()

"""Base API views shared by every app."""

from __future__ import annotations

from django.core.exceptions import RequestDataTooBig
from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework.views import APIView

from occ.api.errors import error_body
from occ.audit import bind_actor


class StaffAPIView(APIView):
    """Authenticated API view; binds the audit actor once DRF has authenticated the request."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        bind_actor(request.user)


class PublicAPIView(APIView):
    """Public endpoint: no authentication, no session, no cookies (OCC-10); throttled per IP."""

    authentication_classes: list = []
    permission_classes: list = []


def _api_error(request, status: int, code: str, message: str):
    return JsonResponse(error_body(code, message), status=status)


def not_found(request, exception=None):
    """404 under /api/ in the API's one error format; the site's page elsewhere."""
    if request.path.startswith("/api/"):
        return _api_error(request, 404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def bad_request(request, exception=None):
    """400 from Django itself (an oversized body, a suspicious request) under /api/ as JSON."""
    if request.path.startswith("/api/"):
        if isinstance(exception, RequestDataTooBig):
            return _api_error(request, 413, "body_too_large", _("The request body is too large."))
        return _api_error(request, 400, "bad_request", _("The request could not be read."))
    return defaults.bad_request(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        return _api_error(request, 500, "server_error", _("An unexpected error; it has been logged."))
    return defaults.server_error(request)

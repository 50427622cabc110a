"""Base API views shared by every app."""

from __future__ import annotations

from rest_framework.views import APIView

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
    from django.http import JsonResponse

    from occ.api.errors import error_body

    return JsonResponse(error_body(code, message), status=status)


def not_found(request, exception=None):
    """404 under /api/ in the API's one error format; the site's page elsewhere."""
    if request.path.startswith("/api/"):
        from django.utils.translation import gettext as _

        return _api_error(request, 404, "not_found", _("Not found."))
    from django.views.defaults import page_not_found

    return page_not_found(request, exception)


def bad_request(request, exception=None):
    """400 from Django itself (an oversized body, a suspicious request) under /api/ as JSON."""
    if request.path.startswith("/api/"):
        from django.core.exceptions import RequestDataTooBig
        from django.utils.translation import gettext as _

        if isinstance(exception, RequestDataTooBig):
            return _api_error(request, 413, "body_too_large", _("The request body is too large."))
        return _api_error(request, 400, "bad_request", _("The request could not be read."))
    from django.views.defaults import bad_request as default

    return default(request, exception)


def server_error(request):
    if request.path.startswith("/api/"):
        from django.utils.translation import gettext as _

        return _api_error(request, 500, "server_error", _("An unexpected error; it has been logged."))
    from django.views.defaults import server_error as default

    return default(request)

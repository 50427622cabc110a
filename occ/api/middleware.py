"""Guards every request before a view: no NUL or control character in the query string of the
API (a 400 naming the parameter, never a database error), and ``Cache-Control: no-store`` on
every answer that may carry personal data (API, desk, portal: everything but static files and
the schema), so no browser or proxy keeps a copy."""

from __future__ import annotations

from django.http import JsonResponse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

from occ.api.errors import error_body
from occ.text import text_problem

_CACHEABLE = ("/static/", "/api/schema/", "/api/docs/", "/health/")


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path.startswith("/api/"):
            fields = {
                key: [_("Not accepted: the value contains a NUL or control character, or invalid Unicode.")]
                for key, values in request.GET.lists()
                if text_problem(key) or any(text_problem(v) for v in values)
            }
            if fields:
                return JsonResponse(
                    error_body(
                        "validation_error",
                        _("The request has errors in: %(names)s.") % {"names": ", ".join(sorted(fields))},
                        fields,
                    ),
                    status=400,
                )
        response = self.get_response(request)
        if not request.path.startswith(_CACHEABLE) and not response.has_header("Cache-Control"):
            patch_cache_control(response, no_store=True, private=True)
        return response

"""The WSGI handler: Django's, with a second, shorter middleware chain for the citizens' JSON API.

The public intake, tracking and category endpoints (``occ.http.CITIZEN_API_PREFIXES``) have
no log-in, no session, no cookies (OCC-10), no one-time-password device, no CSRF token (DRF's
views are exempt) and no htmx; the middleware of those (``CITIZEN_API_SKIPPED_MIDDLEWARE``) is not
in their chain at all, instead of each layer looking at the path and passing the request on. Every
other middleware runs for them as for every path: request id and access log, metrics, health,
the security and CSP headers, the request guard, the traffic log, the language, the common
checks, X-Frame-Options and the audit context. Every other path runs the whole of
``MIDDLEWARE``.

Django's test client has its own handler and so runs the whole chain, whose ``CitizenSkip*``
classes (occ.middleware) pass the citizens' paths through: both give the same answers, headers
and records (tests/test_handlers.py)."""

from __future__ import annotations

import django
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.handlers.base import BaseHandler
from django.core.handlers.wsgi import WSGIHandler as DjangoWSGIHandler

from occ.http import is_citizen_api


def citizen_middleware() -> list[str]:
    """``MIDDLEWARE`` without ``CITIZEN_API_SKIPPED_MIDDLEWARE``, in its order."""
    skipped = list(getattr(settings, "CITIZEN_API_SKIPPED_MIDDLEWARE", ()))
    unknown = [path for path in skipped if path not in settings.MIDDLEWARE]
    if unknown:
        raise ImproperlyConfigured(
            f"CITIZEN_API_SKIPPED_MIDDLEWARE names middleware not in MIDDLEWARE: {unknown}"
        )
    return [path for path in settings.MIDDLEWARE if path not in skipped]


class _CitizenChain(BaseHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        # Django's own loading, of the shorter list (at start-up, before any request)
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = citizen_middleware()
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


class WSGIHandler(DjangoWSGIHandler):
    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async)
        self._citizen = _CitizenChain()
        self._citizen.load_middleware(is_async)

    def get_response(self, request):
        if is_citizen_api(request):
            return self._citizen.get_response(request)
        return super().get_response(request)


def get_wsgi_application() -> WSGIHandler:
    """``django.core.wsgi.get_wsgi_application``, with this handler."""
    django.setup(set_prefix=False)
    return WSGIHandler()

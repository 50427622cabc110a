"""Middleware that does no work on the citizens' JSON API, and the Content-Security-Policy header.

The public intake, tracking and category endpoints have no log-in, no session, no cookies
(OCC-10) and no one-time-password device: loading a session, a user, an OTP device or a message
store there would cost every citizen's request for nothing (django-axes' middleware only looks at
a flag its log-in backend sets, so it stays as it is). Each class below is the
library's own middleware (a subclass, so Django's checks still see it) that passes those paths
straight through; every other path (pages, staff and agency APIs, the admin) runs it as before.
"""

from __future__ import annotations

import functools

import auditlog.cid
import auditlog.context
import auditlog.middleware
import csp.constants
import csp.middleware
import csp.utils
from django.conf import settings
from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.signals import setting_changed
from django.db.models.signals import pre_save
from django.dispatch import receiver
from django_otp.middleware import OTPMiddleware

from occ.http import behind_proxies, client_ip, is_citizen_api


class _CitizenBypass:
    def __call__(self, request):
        if is_citizen_api(request):
            return self.get_response(request)
        return super().__call__(request)


class CitizenSkipSessionMiddleware(_CitizenBypass, SessionMiddleware):
    pass


class CitizenSkipAuthenticationMiddleware(_CitizenBypass, AuthenticationMiddleware):
    pass


class CitizenSkipOTPMiddleware(_CitizenBypass, OTPMiddleware):
    pass


class CitizenSkipMessageMiddleware(_CitizenBypass, MessageMiddleware):
    pass


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the header of an ordinary response built once per process.

    The library builds the policy string again for every response (two ``build_policy`` calls and
    two ``dataclasses.asdict``), although it only differs when the response used a nonce or a
    view changed the policy (``@csp_update`` and the like). Those responses, a report-only policy,
    and Django's debug pages go through the library's own code unchanged; every other response gets
    the same string the library would build, worked out on first use and again when the setting
    changes (tests' override_settings)."""

    _PER_RESPONSE = ("_csp_config", "_csp_update", "_csp_replace", "_csp_exempt")

    def process_response(self, request, response):
        if (
            getattr(request, "_csp_nonce", None) is not None
            or any(hasattr(response, name) for name in self._PER_RESPONSE)
            or getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None)
            or settings.DEBUG
        ):
            return super().process_response(request, response)
        header = _csp_header()
        if header and csp.constants.HEADER not in response and not _csp_excluded(request.path_info):
            response[csp.constants.HEADER] = header
        # as the library: a nonce asked for after the header was written is an error
        request.csp_nonce = csp.middleware.CheckableLazyObject(self._csp_nonce_post_response)
        return response


@functools.cache
def _csp_header() -> str:
    return csp.utils.build_policy()


@functools.cache
def _csp_prefixes() -> tuple[str, ...]:
    policy = getattr(settings, "CONTENT_SECURITY_POLICY", None) or {}
    return tuple(policy.get("EXCLUDE_URL_PREFIXES", None) or ())


def _csp_excluded(path: str) -> bool:
    prefixes = _csp_prefixes()
    return bool(prefixes) and path.startswith(prefixes)


@receiver(setting_changed)
def _csp_setting_changed(*, setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_header.cache_clear()
        _csp_prefixes.cache_clear()


# One receiver for the whole process instead of one connected and disconnected per request.
_AUDIT_DUID = ("occ-request", 0)


class AuditlogMiddleware(auditlog.middleware.AuditlogMiddleware):
    """django-auditlog's middleware: the request's actor, address, port and correlation id on every
    audit entry written while it runs (the library's own ``get_extra_data`` and receiver,
    ``_set_extra_data``), the address and port as the trusted proxies report them.

    The library connects a new receiver to LogEntry's ``pre_save`` for each request and
    disconnects it afterwards (a lock and the signal's cache emptied twice per request, about a
    sixth of a bare request's Python work). Here the same receiver, bound to one constant id, is
    connected once, and each request only sets the context for its own duration and restores the
    previous one afterwards (so nothing of a request is left for work that runs after it in the
    same thread). A ``set_actor`` block inside a request works as with the library: it sets its
    own context and receiver, and ours stays silent meanwhile."""

    def __init__(self, get_response=None):
        super().__init__(get_response)
        _audit_receiver_connect()  # once: the dispatch id makes a second connect a no-op

    @staticmethod
    def _get_remote_addr(request):
        # The library takes the first X-Forwarded-For hop as it comes, which any client can set:
        # here the address the trusted proxies saw (occ.http.client_ip, as the traffic log and
        # the throttles), or none when AUDITLOG_DISABLE_REMOTE_ADDR says so.
        if settings.AUDITLOG_DISABLE_REMOTE_ADDR:
            return None
        return client_ip(request)

    @staticmethod
    def _get_remote_port(request):
        # X-Forwarded-Port is as much the client's to set: only behind a trusted proxy
        if not behind_proxies():
            return None
        return auditlog.middleware.AuditlogMiddleware._get_remote_port(request)

    def __call__(self, request):
        auditlog.cid.set_cid(request)
        context = self.get_extra_data(request)
        context["signal_duid"] = _AUDIT_DUID
        token = auditlog.context.auditlog_value.set(context)
        try:
            return self.get_response(request)
        finally:
            auditlog.context.auditlog_value.reset(token)


def _audit_receiver_connect() -> None:
    from auditlog import get_logentry_model

    pre_save.connect(
        functools.partial(auditlog.context._set_extra_data, signal_duid=_AUDIT_DUID),
        sender=get_logentry_model(),
        dispatch_uid=_AUDIT_DUID,
        weak=False,
    )

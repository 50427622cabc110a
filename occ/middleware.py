"""Middleware that does no work on the citizens' JSON API.

The public intake, tracking and category endpoints have no log-in, no session, no cookies
(OCC-10) and no one-time-password device: loading a session, a user, an OTP device or a message
store there would cost every citizen's request for nothing (django-axes' middleware only looks at
a flag its log-in backend sets, so it stays as it is). Each class below is the
library's own middleware (a subclass, so Django's checks still see it) that passes those paths
straight through; every other path (pages, staff and agency APIs, the admin) runs it as before.
"""

from __future__ import annotations

from django.contrib.auth.middleware import AuthenticationMiddleware
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django_otp.middleware import OTPMiddleware

# JSON endpoints with no authentication at all (occ.api.views.PublicAPIView).
CITIZEN_API_PREFIXES = ("/api/v1/complaints/", "/api/v1/track/", "/api/v1/categories/")


def is_citizen_api(request) -> bool:
    return request.path_info.startswith(CITIZEN_API_PREFIXES)


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

"""Session authentication for the API that accepts only sessions that passed the second factor
and have not been idle longer than the desk's timeout (``OCC_DESK_IDLE_SECONDS``): the same
session, the same rule, whether it asks for a desk page or the API."""

import time

from django.conf import settings
from django.contrib.auth import logout
from rest_framework.authentication import SessionAuthentication

SEEN = "desk_seen"  # session key: when the staff member last did something (epoch seconds)


def idle_limit() -> int:
    return int(getattr(settings, "OCC_DESK_IDLE_SECONDS", 30 * 60))


def session_idle_expired(request) -> bool:
    """Idle too long? Refresh the mark at most once a minute (a session write per page is waste)."""
    now = int(time.time())
    seen = request.session.get(SEEN)
    if seen is not None and now - int(seen) > idle_limit():
        return True
    if seen is None or now - int(seen) >= 60:
        request.session[SEEN] = now
    return False


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
            return None
        django_request = request._request
        if session_idle_expired(django_request):
            logout(django_request)  # the desk would log it out on its next page: so does the API
            return None
        user = result[0]
        is_verified = getattr(user, "is_verified", None)
        if callable(is_verified) and not is_verified():
            return None  # logged in with a password only: not yet a staff session
        return result


from drf_spectacular.authentication import SessionScheme  # noqa: E402


class VerifiedSessionScheme(SessionScheme):
    target_class = "occ.api.session.VerifiedSessionAuthentication"
    name = "cookieAuth"

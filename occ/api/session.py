"""Session authentication for the API that accepts only sessions that passed the second factor."""

from rest_framework.authentication import SessionAuthentication


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request):
        result = super().authenticate(request)
        if result is None:
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

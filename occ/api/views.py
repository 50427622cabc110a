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

"""Staff log-in for API clients: a knox token (only its hash is stored). Failed log-ins are
counted and locked out by django-axes; the password is never logged or shown (DD-5, SSO-4)."""

from __future__ import annotations

from django.contrib.auth import authenticate
from drf_spectacular.utils import extend_schema
from knox.models import AuthToken
from rest_framework import serializers
from rest_framework.response import Response

from .errors import ApiError, ErrorResponseSerializer
from .strict import StrictSerializer
from .throttling import ScopedRateThrottle
from .views import PublicAPIView, StaffAPIView


class LoginIn(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=256, style={"input_type": "password"})


class MeOut(serializers.Serializer):
    username = serializers.CharField()
    role = serializers.CharField()
    agency = serializers.CharField(source="agency.code", allow_null=True, default=None)


class LoginOut(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)
    user = MeOut()


class LoginView(PublicAPIView):
    throttle_scope = "login"
    throttle_classes = [ScopedRateThrottle]

    @extend_schema(
        operation_id="auth_login",
        request=LoginIn,
        responses={200: LoginOut, 400: ErrorResponseSerializer, 429: ErrorResponseSerializer},
    )
    def post(self, request):
        data = LoginIn(data=request.data)
        data.is_valid(raise_exception=True)
        # axes marks lock-outs on the Django request, which its middleware then answers with 429.
        user = authenticate(request=request._request, **data.validated_data)
        if user is None or not getattr(user, "role", None):
            raise ApiError(status_code=400, code="invalid_credentials", message="Wrong username or password.")
        instance, token = AuthToken.objects.create(user)
        return Response(LoginOut({"token": token, "expiry": instance.expiry, "user": user}).data)


class LogoutView(StaffAPIView):
    @extend_schema(operation_id="auth_logout", request=None, responses={204: None})
    def post(self, request):
        if request.auth is not None and hasattr(request.auth, "delete"):
            request.auth.delete()
        return Response(status=204)


class MeView(StaffAPIView):
    @extend_schema(operation_id="auth_me", responses={200: MeOut})
    def get(self, request):
        return Response(MeOut(request.user).data)

"""Staff log-in for API clients: a knox token (only its hash is stored), issued only after the
second factor, the same TOTP device as the desk. Failed log-ins (a wrong password or a wrong code)
are counted and locked out by django-axes; the password is never logged or shown (DD-5, SSO-4).
Machine clients (agency systems, PBX, fax and mail gateways) use their own keys and signatures."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_login_failed
from django.utils.translation import gettext as _
from django_otp import devices_for_user
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
    otp = serializers.RegexField(
        r"^[0-9]{6,8}$",
        help_text="the current code of the authenticator enrolled at the desk log-in (TOTP)",
    )


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
        v = data.validated_data
        user = authenticate(request=request._request, username=v["username"], password=v["password"])
        if user is None or not getattr(user, "role", None):
            raise ApiError(
                status_code=400,
                code="invalid_credentials",
                message=_("Wrong username, password or one-time code."),
            )
        devices = list(devices_for_user(user, confirmed=True))
        if not devices:
            raise ApiError(
                status_code=400,
                code="second_factor_not_enrolled",
                message=_("Enrol an authenticator at the desk log-in first; the API needs its code."),
            )
        if not any(device.verify_token(v["otp"]) for device in devices):
            # a wrong code counts towards the lock-out like a wrong password (django-axes)
            user_login_failed.send(
                sender=__name__, credentials={"username": v["username"]}, request=request._request
            )
            raise ApiError(
                status_code=400,
                code="invalid_credentials",
                message=_("Wrong username, password or one-time code."),
            )
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

"""API keys of agency systems: ``Authorization: Agency <prefix>.<secret>``; only a hash is kept."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from django.utils import timezone
from rest_framework import authentication, exceptions

from complaints.access import agency_id_of
from complaints.models import Agency

from .agency_actions import AgencyActor
from .models import AgencyCredential


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def agency_credential_issue(*, agency: Agency, label: str = "") -> tuple[AgencyCredential, str]:
    """Returns the credential and the key, shown once. Rotation: issue a new key, then revoke the old."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    cred = AgencyCredential.objects.create(
        agency=agency, prefix=prefix, key_hash=_hash(secret), label=label[:100]
    )
    return cred, f"{prefix}.{secret}"


def agency_credential_revoke(*, credential: AgencyCredential) -> None:
    if credential.revoked_at is None:
        credential.revoked_at = timezone.now()
        credential.save(update_fields=["revoked_at"])


class AgencySystem:
    """The request.user of a call made with an agency key (not a staff account)."""

    is_authenticated = True
    is_anonymous = False
    role = "agency_system"
    pk = None
    id = None

    def __init__(self, credential: AgencyCredential):
        self.credential = credential
        self.agency = credential.agency
        self.agency_id = credential.agency_id
        self.username = f"{credential.agency.code}-system:{credential.prefix}"

    def get_username(self) -> str:
        return self.username


class AgencyKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Agency"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode(errors="replace")
        if not header.startswith(f"{self.keyword} "):
            return None
        token = header[len(self.keyword) + 1 :].strip()
        prefix, _, secret = token.partition(".")
        cred = (
            AgencyCredential.objects.select_related("agency")
            .filter(prefix=prefix, revoked_at__isnull=True)
            .first()
        )
        if (
            cred is None
            or not secret
            or not hmac.compare_digest(cred.key_hash, _hash(secret))
            or not cred.agency.is_active
        ):
            raise exceptions.AuthenticationFailed("Invalid or revoked agency key.")
        AgencyCredential.objects.filter(pk=cred.pk).update(last_used_at=timezone.now())
        return AgencySystem(cred), cred

    def authenticate_header(self, request):
        return self.keyword


def agency_actor(request) -> AgencyActor | None:
    user = request.user
    if isinstance(user, AgencySystem):
        return AgencyActor(agency=user.agency, label=user.username)
    if agency_id_of(user):
        return AgencyActor(agency=user.agency, user=user)
    return None


from drf_spectacular.extensions import OpenApiAuthenticationExtension  # noqa: E402


class AgencyKeyScheme(OpenApiAuthenticationExtension):
    target_class = "routing.agency_auth.AgencyKeyAuthentication"
    name = "agencyKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Agency <prefix>.<secret>` issued with `manage.py agency_key issue <agency>`",
        }

"""Partner-app keys: issued and revoked by an administrator (admin or ``manage.py open311_key``)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from django.utils import timezone

from .models import PartnerApp, PartnerAppKey


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def partner_key_issue(*, app: PartnerApp, label: str = "") -> tuple[PartnerAppKey, str]:
    """The key row and the key itself, ``<prefix>.<secret>``, shown once and never stored."""
    prefix = secrets.token_hex(4)
    secret = secrets.token_urlsafe(32)
    key = PartnerAppKey.objects.create(app=app, prefix=prefix, key_hash=_hash(secret), label=label[:100])
    return key, f"{prefix}.{secret}"


def partner_key_revoke(*, key: PartnerAppKey) -> bool:
    """Revoke a key at once; False if it was already revoked."""
    return bool(
        PartnerAppKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    )


def partner_key_check(raw: str) -> PartnerAppKey | None:
    """The active key of an active app for ``raw``, or None. Constant-time on the secret."""
    prefix, _, secret = (raw or "").strip().partition(".")
    if not prefix or not secret or len(prefix) > 16:
        return None
    key = (
        PartnerAppKey.objects.select_related("app")
        .filter(prefix=prefix, revoked_at__isnull=True, app__is_active=True)
        .first()
    )
    if key is None or not hmac.compare_digest(key.key_hash, _hash(secret)):
        return None
    PartnerAppKey.objects.filter(pk=key.pk).update(last_used_at=timezone.now())
    return key


def api_key_from(request) -> str:
    """The specification's ``api_key`` parameter (form body or query string), or HTTP Basic with
    the key as the user name, for clients that can set no parameter on reads."""
    given = request.POST.get("api_key") if request.method == "POST" else None
    given = given or request.GET.get("api_key")
    if given:
        return given
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if header[:6].lower() == "basic ":
        try:
            user, _, _password = base64.b64decode(header[6:].strip()).decode().partition(":")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return user
    return ""

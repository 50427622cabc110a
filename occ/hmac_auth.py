"""Shared-secret HMAC authentication of machine callers (mail gateway, PBX, fax gateway).

The caller sends ``X-OCC-Timestamp`` (Unix seconds) and
``X-OCC-Signature: sha256=<hex HMAC-SHA256 of "<timestamp>.<raw body>">``. A timestamp outside the
allowed skew is refused, so a captured request cannot be replayed later."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.utils.translation import gettext as _

from occ.api.errors import ApiError


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = hmac.new(secret.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-OCC-Timestamp": ts, "X-OCC-Signature": f"sha256={digest}"}


def verify(request, *, secret: str, max_skew: int, body: bytes | None = None) -> None:
    if not secret:
        raise ApiError(
            status_code=503, code="not_configured", message=_("This machine endpoint is not configured.")
        )
    ts = request.headers.get("X-OCC-Timestamp", "")
    signature = request.headers.get("X-OCC-Signature", "")
    if not ts.isdigit() or not signature.startswith("sha256="):
        raise ApiError(
            status_code=401,
            code="not_authenticated",
            message=_("Send X-OCC-Timestamp and X-OCC-Signature: sha256=<HMAC>."),
        )
    if abs(time.time() - int(ts)) > max_skew:
        raise ApiError(
            status_code=401,
            code="stale_request",
            message=_("The timestamp is more than %(skew)s seconds away from the server's clock.")
            % {"skew": max_skew},
        )
    raw = request.body if body is None else body
    expected = hmac.new(secret.encode(), ts.encode() + b"." + raw, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature[len("sha256=") :]):
        raise ApiError(
            status_code=401, code="bad_signature", message=_("The signature does not match the body.")
        )

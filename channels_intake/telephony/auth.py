"""Authentication of the telephone system (PBX/CTI) and the fax gateway: shared-secret HMAC.

Every machine request carries three headers:

- ``X-OCC-Timestamp``: Unix seconds; further than ``OCC_MACHINE_MAX_SKEW_SECONDS`` from the
  server's clock is refused (``stale_request``);
- ``X-OCC-Content-SHA256``: the hex SHA-256 of the content (the JSON body of a CTI event, the
  file of an upload, the bytes of a chunk);
- ``X-OCC-Signature: sha256=<hex HMAC-SHA256(secret, message)>`` where the message is the lines
  ``timestamp``, ``METHOD``, ``path``, ``content sha256`` and the form fields URL-encoded in
  name order (``call_id=...&offset=...``), joined with ``\\n``.

The content hash is signed rather than the body, so a 200 MB upload is never held to be checked;
the server hashes what arrives and refuses (or, for files, quarantines) content that differs. A
signature is accepted once: the same signed request again is a replay (``replayed_request``).
Several secrets may be configured at once so a secret can be rotated without downtime."""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from datetime import timedelta
from urllib.parse import urlencode

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from occ.api.errors import ApiError

from .models import SignedRequestNonce


def signing_message(
    *, timestamp: str, method: str, path: str, content_sha256: str, fields: Mapping[str, object] | None = None
) -> bytes:
    canonical = urlencode(sorted((k, "" if v is None else str(v)) for k, v in (fields or {}).items()))
    return "\n".join([timestamp, method.upper(), path, content_sha256.lower(), canonical]).encode()


def machine_headers(
    secret: str,
    *,
    method: str,
    path: str,
    content: bytes | None = None,
    content_sha256: str | None = None,
    fields: Mapping[str, object] | None = None,
    timestamp: int | None = None,
) -> dict[str, str]:
    """The headers a PBX or fax gateway sends (used by tests, the benchmark and integrators)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    digest = content_sha256 or hashlib.sha256(content or b"").hexdigest()
    message = signing_message(timestamp=ts, method=method, path=path, content_sha256=digest, fields=fields)
    signature = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return {"X-OCC-Timestamp": ts, "X-OCC-Content-SHA256": digest, "X-OCC-Signature": f"sha256={signature}"}


def _secrets(name: str) -> list[str]:
    value = getattr(settings, name, None) or []
    if isinstance(value, str):
        value = [value]
    return [s for s in value if s]


def machine_verify(request, *, secrets_setting: str, fields: Mapping[str, object] | None = None) -> str:
    """Check timestamp and signature and record the signature against replays.

    Returns the signed content SHA-256, which the caller compares with what actually arrived."""
    secrets = _secrets(secrets_setting)
    if not secrets:
        raise ApiError(
            status_code=503,
            code="not_configured",
            message=_("This machine endpoint is not configured (%(setting)s is empty).")
            % {"setting": secrets_setting},
        )
    ts = request.headers.get("X-OCC-Timestamp", "")
    declared = request.headers.get("X-OCC-Content-SHA256", "").lower()
    signature = request.headers.get("X-OCC-Signature", "")
    if not ts.isdigit() or len(declared) != 64 or not signature.startswith("sha256="):
        raise ApiError(
            status_code=401,
            code="not_authenticated",
            message=_("Send X-OCC-Timestamp, X-OCC-Content-SHA256 and X-OCC-Signature: sha256=<HMAC>."),
        )
    skew = settings.OCC_MACHINE_MAX_SKEW_SECONDS
    if abs(time.time() - int(ts)) > skew:
        raise ApiError(
            status_code=401,
            code="stale_request",
            message=_("The timestamp is more than %(skew)s seconds away from the server's clock.")
            % {"skew": skew},
        )
    message = signing_message(
        timestamp=ts, method=request.method, path=request.path, content_sha256=declared, fields=fields
    )
    given = signature[len("sha256=") :].lower()
    if not any(
        hmac.compare_digest(hmac.new(s.encode(), message, hashlib.sha256).hexdigest(), given) for s in secrets
    ):
        raise ApiError(
            status_code=401,
            code="bad_signature",
            message=_(
                "The signature does not match the request (timestamp, method, path, content hash, fields)."
            ),
        )
    try:
        with transaction.atomic():
            SignedRequestNonce.objects.create(digest=hashlib.sha256(given.encode()).hexdigest())
    except IntegrityError as exc:
        raise ApiError(
            status_code=401,
            code="replayed_request",
            message=_("This signed request was already received; sign every delivery afresh."),
        ) from exc
    return declared


def nonces_purge() -> int:
    cutoff = timezone.now() - timedelta(seconds=2 * settings.OCC_MACHINE_MAX_SKEW_SECONDS)
    deleted, _by_model = SignedRequestNonce.objects.filter(seen_at__lt=cutoff).delete()
    return deleted

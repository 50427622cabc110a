"""Outbound webhooks signed as the Standard Webhooks specification (v1, symmetric) says.

Every POST to an agency carries:

- ``webhook-id``: the delivery id, the same on every retry of one delivery (the agency's
  idempotency key);
- ``webhook-timestamp``: Unix seconds of this attempt;
- ``webhook-signature``: ``v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``, one per key
  of the agency, space-separated (while a secret is rotated, the new and the old key both sign).

An agency's secret is ``whsec_`` followed by the base64 of 32 random bytes (``secret_new``); the
HMAC key is those bytes. ``Agency.webhook_secret`` holds one secret, or several separated by
spaces (the newest first) during a rotation (``secret_rotated``, ``secret_retired``). A secret
set before this format (no ``whsec_`` prefix) stays valid: its UTF-8 bytes are the key (the
libraries take it as raw bytes), and such agencies also receive the earlier ``X-OCC-*`` headers
(``legacy_headers``) until they move to a ``whsec_`` secret. docs/agency-webhooks.md is the
agencies' guide."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
import time

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32  # the specification asks for 24 to 64 random bytes
DEFAULT_TOLERANCE = 300  # seconds; the specification's libraries use five minutes


class WebhookVerificationError(Exception):
    """A delivery that does not verify (missing headers, stale timestamp, no matching signature)."""


def secret_new() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    if secret.startswith(SECRET_PREFIX):
        try:
            return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
        except binascii.Error as exc:
            raise ValueError("a whsec_ secret must be base64") from exc
    return secret.encode()  # a secret from before the whsec_ format: its bytes are the key


def secret_keys(stored: str) -> list[bytes]:
    """The HMAC keys of a stored secret field (one secret, or several separated by spaces)."""
    return [_key(s) for s in stored.split()]


# Agency.webhook_secret holds this many characters: the new secret and the current one (two
# whsec_ secrets are 101), never a chain of every secret rotated without a retire.
MAX_STORED = 128


def secret_rotated(stored: str) -> str:
    """A new secret first and the current (newest) one kept, so both sign until ``secret_retired``.
    A rotation before the last one was retired drops the older secret: at most two sign."""
    current = stored.split()[:1]
    rotated = " ".join([secret_new(), *current])
    if len(rotated) > MAX_STORED:
        raise ValueError(
            "the current secret is too long to keep beside a new one; retire it or set a whsec_ secret"
        )
    return rotated


def secret_retired(stored: str) -> str:
    """Only the newest secret is kept."""
    return stored.split()[0] if stored.split() else ""


def is_legacy(stored: str) -> bool:
    """The agency still has a secret from before the whsec_ format."""
    return any(not s.startswith(SECRET_PREFIX) for s in stored.split())


def signature(key: bytes, msg_id: str, timestamp: int | str, body: bytes) -> str:
    """One ``v1,<base64>`` signature of ``{id}.{timestamp}.{body}``."""
    content = f"{msg_id}.{timestamp}.".encode() + body
    return "v1," + base64.b64encode(hmac.new(key, content, hashlib.sha256).digest()).decode()


def headers(*, secret: str, msg_id: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    """The three Standard Webhooks headers for one attempt."""
    if "." in msg_id or not msg_id:
        raise ValueError("a webhook id must be non-empty and contain no '.'")
    ts = int(time.time()) if timestamp is None else int(timestamp)
    signed = " ".join(signature(key, msg_id, ts, body) for key in secret_keys(secret))
    return {"webhook-id": msg_id, "webhook-timestamp": str(ts), "webhook-signature": signed}


def legacy_headers(*, secret: str, msg_id: str, body: bytes, timestamp: int | str) -> dict[str, str]:
    """The headers agencies verified before the Standard Webhooks format (``X-OCC-Signature:
    sha256=<hex HMAC(secret, "<ts>.<body>")>``), sent only to agencies with a legacy secret, signed
    with their first legacy secret. To be dropped once every agency has a whsec_ secret."""
    legacy = next(s for s in secret.split() if not s.startswith(SECRET_PREFIX))
    ts = str(timestamp)
    digest = hmac.new(legacy.encode(), ts.encode() + b"." + body, hashlib.sha256).hexdigest()
    return {"X-OCC-Delivery": msg_id, "X-OCC-Timestamp": ts, "X-OCC-Signature": f"sha256={digest}"}


def verify(
    *,
    secret: str,
    headers: dict[str, str],
    body: bytes,
    tolerance: int = DEFAULT_TOLERANCE,
    now: float | None = None,
) -> str:
    """What an agency does (the reference check, used by our tests and shown in the agencies'
    guide): returns the webhook id, or raises WebhookVerificationError."""
    lower = {k.lower(): v for k, v in headers.items()}
    msg_id, ts, given = (lower.get(h, "") for h in ("webhook-id", "webhook-timestamp", "webhook-signature"))
    if not (msg_id and ts and given):
        raise WebhookVerificationError("missing webhook-id, webhook-timestamp or webhook-signature")
    if not ts.isdigit() or abs((time.time() if now is None else now) - int(ts)) > tolerance:
        raise WebhookVerificationError("timestamp outside the tolerance")
    offered = [s for s in given.split() if s.startswith("v1,")]
    for key in secret_keys(secret):
        expected = signature(key, msg_id, ts, body)
        if any(hmac.compare_digest(expected.encode(), s.encode()) for s in offered):
            return msg_id
    raise WebhookVerificationError("no matching signature")

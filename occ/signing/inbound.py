"""Signed requests from the centre's machine clients: one check for all of them.

A machine client sends ``X-OCC-Timestamp`` (Unix seconds) and
``X-OCC-Signature: sha256=<hex HMAC-SHA256(secret, message)>``, and may send ``X-OCC-Key-Id``
(the id of the key it signed with, ``occ.signing.keys.key_id``; without it every configured key
is tried). What the message is depends on the client and stays as it was:

- the mail gateway signs ``<timestamp>.<raw body>`` (``body_message``);
- the telephone system and the fax gateway sign the lines timestamp, method, path, content
  SHA-256 and the form fields (``channels_intake.telephony.auth.signing_message``).

Every client gets the same rules: several keys at once (``Client.secrets``, newest first, so a
key is rotated without downtime: add the new one, move the client over, remove the old one when
the log no longer names it), a timestamp within the client's allowed skew (``stale_request``),
and each accepted signature only once (``replayed_request``): its digest is stored in
``SignedRequestNonce`` (a unique column) and purged by beat after twice the largest skew. A
client that sends the same request again signs it afresh."""

from __future__ import annotations

import hashlib
import hmac
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from occ.api.errors import ApiError

from .keys import Key, key_id, keyring
from .models import SignedRequestNonce

log = logging.getLogger(__name__)

TIMESTAMP_HEADER = "X-OCC-Timestamp"
SIGNATURE_HEADER = "X-OCC-Signature"
KEY_ID_HEADER = "X-OCC-Key-Id"


@dataclass(frozen=True)
class Client:
    """A machine client: the settings that hold its secrets (newest first; each one secret or a
    list) and the one that holds its allowed clock skew in seconds."""

    name: str
    secrets: tuple[str, ...]
    skew: str

    def keys(self) -> list[Key]:
        return keyring(self.secrets)

    def max_skew(self) -> int:
        return int(getattr(settings, self.skew))


MAIL_GATEWAY = Client(
    "mail_gateway",
    ("OCC_MAIL_GATEWAY_SECRETS", "OCC_MAIL_GATEWAY_SECRET"),
    "OCC_MAIL_GATEWAY_MAX_SKEW_SECONDS",
)
PBX = Client("pbx", ("OCC_PBX_SECRETS",), "OCC_MACHINE_MAX_SKEW_SECONDS")
FAX_GATEWAY = Client("fax_gateway", ("OCC_FAX_GATEWAY_SECRETS",), "OCC_MACHINE_MAX_SKEW_SECONDS")
CLIENTS = {c.name: c for c in (MAIL_GATEWAY, PBX, FAX_GATEWAY)}


def body_message(timestamp: str, body: bytes) -> bytes:
    """The mail gateway's message: ``<timestamp>.<raw body>``."""
    return timestamp.encode() + b"." + body


def signature_hex(secret: str | bytes, message: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def signed_headers(
    secret: str,
    *,
    message: Callable[[str], bytes],
    timestamp: int | None = None,
    with_key_id: bool = False,
) -> dict[str, str]:
    """The headers a machine client sends; ``message(timestamp)`` builds what it signs (used by
    tests, the benchmarks and integrators)."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    headers = {TIMESTAMP_HEADER: ts, SIGNATURE_HEADER: "sha256=" + signature_hex(secret, message(ts))}
    if with_key_id:
        headers[KEY_ID_HEADER] = key_id(secret)
    return headers


def body_headers(secret: str, body: bytes, timestamp: int | None = None, **kw) -> dict[str, str]:
    """The mail gateway's headers for a raw message."""
    return signed_headers(secret, message=lambda ts: body_message(ts, body), timestamp=timestamp, **kw)


def verify(
    request,
    *,
    client: Client,
    message: Callable[[str], bytes],
    expected: str = gettext_noop("Send X-OCC-Timestamp and X-OCC-Signature: sha256=<HMAC>."),
    complete: bool = True,
    mismatch: str = gettext_noop("The signature does not match the body."),
) -> Key:
    """Check the timestamp, the signature against the client's keys, and that this signature was
    never accepted before (then record it). Returns the key that matched. ``complete`` is the
    caller's own check of the other headers it needs; ``expected`` says what to send. ``expected`` and
    ``mismatch`` are message ids (gettext_noop), translated here into the reader's language."""
    keys = client.keys()
    if not keys:
        raise ApiError(
            status_code=503,
            code="not_configured",
            message=_("This machine endpoint is not configured (%(setting)s is empty).")
            % {"setting": client.secrets[0]},
        )
    ts = request.headers.get(TIMESTAMP_HEADER, "")
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not complete or not ts.isdigit() or not signature.startswith("sha256="):
        raise ApiError(status_code=401, code="not_authenticated", message=_(expected))
    skew = client.max_skew()
    if abs(time.time() - int(ts)) > skew:
        raise ApiError(
            status_code=401,
            code="stale_request",
            message=_("The timestamp is more than %(skew)s seconds away from the server's clock.")
            % {"skew": skew},
        )
    wanted = request.headers.get(KEY_ID_HEADER, "")
    candidates = [k for k in keys if k.id == wanted] if wanted else keys
    signed = message(ts)
    given = signature[len("sha256=") :].lower()
    matched = next(
        (k for k in candidates if hmac.compare_digest(signature_hex(k.secret, signed), given)), None
    )
    if matched is None:
        raise ApiError(status_code=401, code="bad_signature", message=_(mismatch))
    try:
        with transaction.atomic():
            SignedRequestNonce.objects.create(digest=hashlib.sha256(given.encode()).hexdigest())
    except IntegrityError as exc:
        raise ApiError(
            status_code=401,
            code="replayed_request",
            message=_("This signed request was already received; sign every delivery afresh."),
        ) from exc
    if matched is not keys[0]:
        # rotation in progress: the log says which clients still use an older key (its id only)
        log.info(
            "machine request signed with an older key", extra={"client": client.name, "key_id": matched.id}
        )
    return matched


def nonces_purge() -> int:
    """Forget accepted signatures older than twice the largest allowed skew of any client."""
    skew = max(c.max_skew() for c in CLIENTS.values())
    cutoff = timezone.now() - timedelta(seconds=2 * skew)
    deleted, _ = SignedRequestNonce.objects.filter(seen_at__lt=cutoff).delete()
    return deleted

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
Several secrets may be configured at once so a secret can be rotated without downtime. The check
(keys, skew, replay guard) is the one of every machine client, ``occ.signing.inbound``."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from urllib.parse import urlencode

from django.utils.translation import gettext_noop

from occ.signing import inbound

_CLIENTS = {"OCC_PBX_SECRETS": inbound.PBX, "OCC_FAX_GATEWAY_SECRETS": inbound.FAX_GATEWAY}


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
    digest = content_sha256 or hashlib.sha256(content or b"").hexdigest()
    headers = inbound.signed_headers(
        secret,
        message=lambda ts: signing_message(
            timestamp=ts, method=method, path=path, content_sha256=digest, fields=fields
        ),
        timestamp=timestamp,
    )
    return {"X-OCC-Timestamp": headers["X-OCC-Timestamp"], "X-OCC-Content-SHA256": digest, **headers}


def machine_verify(request, *, secrets_setting: str, fields: Mapping[str, object] | None = None) -> str:
    """Check timestamp and signature and record the signature against replays.

    Returns the signed content SHA-256, which the caller compares with what actually arrived."""
    declared = request.headers.get("X-OCC-Content-SHA256", "").lower()
    inbound.verify(
        request,
        client=_CLIENTS[secrets_setting],
        message=lambda ts: signing_message(
            timestamp=ts, method=request.method, path=request.path, content_sha256=declared, fields=fields
        ),
        complete=len(declared) == 64,
        expected=gettext_noop(
            "Send X-OCC-Timestamp, X-OCC-Content-SHA256 and X-OCC-Signature: sha256=<HMAC>."
        ),
        mismatch=gettext_noop(
            "The signature does not match the request (timestamp, method, path, content hash, fields)."
        ),
    )
    return declared

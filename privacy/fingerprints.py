"""Keyed fingerprints of personal values (OCC-8, OCC-11).

Evidence sometimes has to show *that* a value changed, or that the same value came back, without
keeping the value. A plain hash of a phone number or an e-mail address is no protection: anyone can
hash every mobile number in Thailand in minutes and read the table backwards. A fingerprint here is
an HMAC-SHA256 under a key kept outside the database (``OCC_FINGERPRINT_KEYS``), written as
``<key id>:<hex>`` so the key that made it is known: after a rotation the new key makes new
fingerprints and the old key, kept in the list, still verifies old evidence. Removing a key from
the list makes the fingerprints it made unverifiable (crypto-shredding), never readable.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DIGEST_CHARS = 32  # 128 bits of HMAC-SHA256


def keys() -> list[tuple[str, bytes]]:
    """The configured keys, newest first: ``[(key_id, secret), ...]``.

    ``OCC_FINGERPRINT_KEYS`` is a list of ``key_id:secret`` entries, newest first. Without it, one
    key is derived from ``SECRET_KEY`` (id ``sk``), which is outside the database too; production
    should set its own keys so that rotating the secret key does not orphan the evidence."""
    configured = list(getattr(settings, "OCC_FINGERPRINT_KEYS", []) or [])
    out: list[tuple[str, bytes]] = []
    for entry in configured:
        kid, sep, secret = str(entry).strip().partition(":")
        if not sep or not kid or not secret or not re.fullmatch(r"[A-Za-z0-9_.-]{1,20}", kid):
            raise ImproperlyConfigured(
                "OCC_FINGERPRINT_KEYS entries are key_id:secret (key id of letters, digits, _ . -)"
            )
        if len(secret) < 16:
            raise ImproperlyConfigured(f"fingerprint key {kid} is shorter than 16 characters")
        out.append((kid, secret.encode()))
    if not out:
        derived = hashlib.sha256(b"occ-fingerprint:" + settings.SECRET_KEY.encode()).digest()
        out.append(("sk", derived))
    return out


def normalise(value: Any) -> str:
    """The same person's value always gives the same fingerprint: e-mail addresses are compared
    without case, names and addresses without repeated spaces, phone numbers as stored (E.164)."""
    text = " ".join(str(value if value is not None else "").split())
    return text.casefold()


def _digest(secret: bytes, value: Any) -> str:
    return hmac.new(secret, normalise(value).encode(), hashlib.sha256).hexdigest()[:DIGEST_CHARS]


def fingerprint(value: Any) -> str:
    """``<key id>:<hex>`` of the value under the current key."""
    kid, secret = keys()[0]
    return f"{kid}:{_digest(secret, value)}"


def fingerprint_matches(value: Any, fp: str) -> bool | None:
    """Whether the value is the one fingerprinted; ``None`` when the key that made the fingerprint
    is no longer configured (the evidence can no longer be checked, by design)."""
    kid, sep, digest = (fp or "").partition(":")
    if not sep:
        return None
    secret = dict(keys()).get(kid)
    if secret is None:
        return None
    return hmac.compare_digest(digest, _digest(secret, value))

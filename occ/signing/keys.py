"""Key rings from settings, key ids, and the encryption keys derived from ``SECRET_KEY``."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from cryptography.fernet import Fernet, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


@dataclass(frozen=True)
class Key:
    """One shared secret and its id. The id names the key in logs and in the optional
    ``X-OCC-Key-Id`` header without revealing anything of the secret."""

    id: str
    secret: bytes


def key_id(secret: str | bytes) -> str:
    raw = secret.encode() if isinstance(secret, str) else secret
    return "k" + hashlib.sha256(b"occ-key-id\x00" + raw).hexdigest()[:10]


def keyring(setting_names: Iterable[str]) -> list[Key]:
    """The keys configured under these settings, newest first: each setting is one secret or a
    list of them (comma-separated in the environment, the new one first); empty ones and repeats
    are dropped."""
    keys: list[Key] = []
    for name in setting_names:
        value = getattr(settings, name, None) or []
        for secret in [value] if isinstance(value, str) else value:
            if secret and all(k.secret != secret.encode() for k in keys):
                keys.append(Key(id=key_id(secret), secret=secret.encode()))
    return keys


# --- encryption keys derived from SECRET_KEY ------------------------------------------------------

# Derivations used before the one below, accepted for decryption only (values sealed by a
# process of the previous release still open). Remove an entry one release after it was added.
_LEGACY = {
    # e-mail acknowledgement secrets in the outbox (channels_intake.email.processing, until Dec. 2026)
    "email-ack": lambda secret: hashlib.sha256(b"occ-email-ack|" + secret).digest(),
}


def _derive(secret: bytes, purpose: str, material: bytes) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=secret, info=b"occ-" + purpose.encode()).derive(
        material
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def sealing_fernet(purpose: str, material: bytes = b"") -> MultiFernet:
    """The one way to get an encryption key: HKDF-SHA256 of ``material`` (e.g. an Idempotency-Key;
    may be empty) salted with ``SECRET_KEY``, ``info`` naming the purpose. Encrypts with the
    current ``SECRET_KEY``; decrypts also what was sealed under ``SECRET_KEY_FALLBACKS`` (a
    rotated secret key) and under a purpose's legacy derivation."""
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    fernets = [_derive(s.encode(), purpose, material) for s in secrets]
    legacy = _LEGACY.get(purpose)
    if legacy is not None and not material:
        fernets += [Fernet(base64.urlsafe_b64encode(legacy(s.encode()))) for s in secrets]
    return MultiFernet(fernets)

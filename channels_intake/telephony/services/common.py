"""Helpers shared by the telephone and fax services."""

from __future__ import annotations

import os
from typing import IO

from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.core.files.storage import default_storage

from complaints.access import Can, require
from privacy.minimum_data import normalise_phone

WITHHELD = frozenset({"", "anonymous", "withheld", "private", "restricted", "unknown", "unavailable"})


def require_agent(actor) -> None:
    require(actor, Can.CASE_WORK)


def e164_or_blank(number: str) -> str:
    """The number in E.164, or '' when it is missing or not a valid phone number."""
    if not number or number.strip().lower() in WITHHELD:
        return ""
    try:
        return normalise_phone(number)
    except ValidationError:
        return ""


def store_once(name: str, fileobj: IO[bytes]) -> bool:
    """Write ``fileobj`` under a content-addressed ``name`` unless it is already there. Never
    overwrites: when two writers race, the second copy (saved under another name by the storage)
    is removed and the first one stands. Returns whether this call wrote the file."""
    if default_storage.exists(name):
        return False
    fileobj.seek(0)
    saved = default_storage.save(name, File(fileobj, name=os.path.basename(name)))
    if saved != name:
        default_storage.delete(saved)
        return False
    return True

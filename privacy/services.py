"""Writes of privacy records: the staff access log."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from .models import AccessLogEntry


def access_log_record(
    *,
    actor: Any,
    action: str,
    object_type: str,
    rows: Iterable[tuple[int | None, int | None, int | None]],
    fields: list[str],
    purpose: str = "",
) -> int:
    """Write one entry per (complainant_id, complaint_id, object_id) the actor was shown.

    One INSERT for the whole batch, so a list page costs one query whatever its length."""
    entries = [
        AccessLogEntry(
            actor=actor,
            actor_role=getattr(actor, "role", ""),
            action=action,
            complainant_id=complainant_id,
            complaint_id=complaint_id,
            object_type=object_type,
            object_id=object_id,
            fields=fields,
            purpose=purpose,
        )
        for complainant_id, complaint_id, object_id in rows
    ]
    if entries:
        AccessLogEntry.objects.bulk_create(entries)
    return len(entries)

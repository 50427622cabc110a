"""The one writer of a case's timeline (as Saleor's ``order/events.py`` pairs with its actions).

Every entry a citizen or an officer reads on a case — intake, status changes (through
``complaints.services.lifecycle.status_set``), notes, referrals, agency updates, channel events, data-subject
requests and erasure — is written by ``timeline_add``. tests/test_layers.py refuses
``TimelineEvent.objects.create`` anywhere else.
"""

from __future__ import annotations

from typing import Any

from occ.rows import new, rows_insert

from ..models import Complaint, TimelineEvent, User


def timeline_add(
    *,
    kind: str,
    complaint: Complaint | None = None,
    complaint_id: int | None = None,
    is_public: bool = False,
    text: str = "",
    from_status: str = "",
    to_status: str = "",
    actor: User | None = None,
) -> TimelineEvent:
    """Append one entry to a case's timeline (inside the caller's transaction) and return it."""
    if (complaint is None) == (complaint_id is None):
        raise TypeError("timeline_add needs exactly one of complaint and complaint_id")
    case = {"complaint": complaint} if complaint is not None else {"complaint_id": complaint_id}
    event = new(
        TimelineEvent,
        **case,
        kind=kind,
        is_public=is_public,
        text=text,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
    )
    # save()'s INSERT and signals, the SQL compiled once; inside occ.rows.rows_together() (the
    # intake) written with the block's other rows at its end
    rows_insert([event], later=True)
    return event


def timeline_add_many(entries: list[dict[str, Any]]) -> list[TimelineEvent]:
    """Append several entries in one INSERT (each a dict of ``timeline_add``'s keywords)."""
    allowed = {"kind", "complaint", "complaint_id", "is_public", "text", "from_status", "to_status", "actor"}
    for entry in entries:
        unknown = set(entry) - allowed
        if unknown or "kind" not in entry or (("complaint" in entry) == ("complaint_id" in entry)):
            raise TypeError(f"not a timeline entry: {sorted(unknown) or sorted(entry)}")
    return TimelineEvent.objects.bulk_create([TimelineEvent(**entry) for entry in entries])

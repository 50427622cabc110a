"""The complaint lifecycle: which status may follow which, and ``status_set``, the only writer of a
case's status (the change and its public timeline entry, together). Nothing else changes a status."""

from __future__ import annotations

import copy

from auditlog.context import disable_auditlog

from occ.audit import audit_updated
from occ.rows import row_update

from ..models import Complaint, Status, TimelineEvent, User
from .events import timeline_add

S = Status
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.TRIAGED, S.REJECTED, S.DUPLICATE}),
    S.TRIAGED: frozenset({S.REFERRED, S.IN_PROGRESS, S.RESOLVED, S.REJECTED, S.DUPLICATE}),
    S.REFERRED: frozenset({S.IN_PROGRESS, S.RESOLVED}),
    S.IN_PROGRESS: frozenset({S.REFERRED, S.RESOLVED}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REJECTED: frozenset({S.REOPENED}),
    S.DUPLICATE: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.TRIAGED, S.IN_PROGRESS, S.REFERRED}),
}
# Statuses reached only through their own service, never a plain status change: a duplicate needs
# the surviving case it points to (complaints.services.actions.complaint_duplicate_mark).
NEEDS_TARGET = frozenset({S.DUPLICATE})
# Undoing a mark returns the case to the status it had before, if it is one of these.
UNDO_TO: dict[str, frozenset[str]] = {S.DUPLICATE: frozenset({S.RECEIVED, S.TRIAGED})}
# Creating a referral moves a case in these statuses to `referred`, including one routed straight
# from the queue (citizens saw "received" while the police already had it). An agent cannot pick
# `referred` by hand from `received`: only a referral makes a case referred from there.
REFERRAL_MOVES = frozenset({S.RECEIVED, S.TRIAGED, S.IN_PROGRESS, S.REOPENED})
# Statuses in which the case is finished for SLA purposes.
TERMINAL = frozenset({S.RESOLVED, S.CLOSED, S.REJECTED, S.DUPLICATE})


def allowed_next(status: str) -> list[str]:
    return sorted(TRANSITIONS.get(status, frozenset()))


def can_transition(current: str, new: str) -> bool:
    return new in TRANSITIONS.get(current, frozenset())


def can_undo(current: str, back_to: str) -> bool:
    return back_to in UNDO_TO.get(current, frozenset())


def status_set(
    *,
    complaint: Complaint,
    to_status: str,
    actor: User | None,
    text: str = "",
    also_saved: tuple[str, ...] = (),
    locked: bool = False,
) -> TimelineEvent:
    """Move ``complaint`` (locked or fresh, in the caller's transaction) to ``to_status`` and write the
    public timeline entry the citizen tracks. The caller has already decided the move is allowed.
    ``also_saved`` names other fields the caller set on the same row (saved in the same UPDATE).

    ``locked``: the caller read this row with ``select_for_update`` in this transaction and changed
    nothing on the instance since, so it is the row as stored: the audit entry is written from it
    directly (occ.audit.audit_updated, the same entry) instead of by django-auditlog's signal,
    which reads the row once more to find the old values."""
    previous = complaint.status
    update_fields = ["status", *also_saved, "updated_at"]
    if locked and not also_saved:
        old = copy.copy(complaint)
        complaint.status = to_status
        with disable_auditlog():
            row_update(complaint, update_fields)  # save()'s UPDATE and signals, its text built once
        audit_updated(complaint, old, update_fields)
    else:
        complaint.status = to_status
        complaint.save(update_fields=update_fields)
    return timeline_add(
        complaint=complaint,
        kind=TimelineEvent.Kind.STATUS,
        is_public=True,
        from_status=previous,
        to_status=to_status,
        text=text,
        actor=actor,
    )

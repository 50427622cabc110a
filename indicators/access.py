"""Every "may this actor do X" decision of the fraud-intelligence app, in one place, asked of the
project's one access layer (``complaints.access``: its capability map decides; no role is named
here). Whatever an actor may not do is 404 (no existence oracle), the same as a complaint or an
indicator that does not exist. Agency officers never reach the staff endpoints: agencies receive
indicators only through the gate (``services.indicator_export``).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from complaints import access as case_access
from complaints.access import Can
from complaints.models import Complaint


class Need:
    READ = Can.CASE_READ  # linked complaints, indicator search, possible duplicates
    WORK = Can.CASE_WORK  # link, mark duplicate, undo
    SUPERVISE = Can.SUPERVISE  # clusters, dispute / clear an indicator


def indicator_may(actor, need: Can) -> bool:
    """The one decision: may this (staff) actor do ``need``?"""
    return case_access.actor_can(actor, need)


def require(actor, need: Can) -> None:
    if not indicator_may(actor, need):
        raise Http404


def complaint_for(actor, reference: str, need: Can) -> Complaint:
    """The complaint (with its complainant and the case it duplicates), if the actor may do
    ``need`` on it; else 404. No timeline or evidence is loaded: nothing here shows them."""
    return case_access.access_complaint(
        actor, reference, need=need, queryset=Complaint.objects.select_related("complainant", "duplicate_of")
    )


def reachable_complaints(actor) -> QuerySet[Complaint] | None:
    """The complaints whose links the actor may see: a queryset, or None for "all of them" (so the
    common case costs no sub-query)."""
    if not indicator_may(actor, Need.READ):
        return Complaint.objects.none()
    reachable = case_access.complaints_reachable(actor, need=Need.READ)
    return None if not reachable.query.where else reachable

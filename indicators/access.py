"""Every "may this actor do X" decision of the fraud-intelligence app, in one place.

Until the project's one access layer (``complaints.access``) lands, this asks the existing
``complaints.permissions`` role sets and ``complaints.selectors`` scoping; at merge, point
``indicator_may`` and ``complaint_for`` at ``access_complaint(actor, reference, need=...)`` and the
capability map, and nothing else here changes. Whatever an actor may not do is 404 (no existence
oracle), the same as a complaint or indicator that does not exist. Agency officers never reach the
staff endpoints: agencies receive indicators only through the gate (``services.indicator_export``).
"""

from __future__ import annotations

from django.http import Http404

from complaints import selectors as complaint_selectors
from complaints.models import Complaint, Role


class Need:
    READ = "read"  # linked complaints, indicator search
    WORK = "work"  # link, mark duplicate, undo
    SUPERVISE = "supervise"  # clusters, dispute / clear an indicator


CAPABILITIES: dict[str, frozenset[str]] = {
    Need.READ: frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR, Role.PRIVACY_OFFICER}),
    Need.WORK: frozenset({Role.AGENT, Role.SUPERVISOR, Role.ADMINISTRATOR}),
    Need.SUPERVISE: frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
}


def indicator_may(actor, need: str) -> bool:
    """The one decision: may this (staff) actor do ``need``?"""
    if not getattr(actor, "is_authenticated", False):
        return False
    return getattr(actor, "role", None) in CAPABILITIES.get(need, frozenset())


def require(actor, need: str) -> None:
    if not indicator_may(actor, need):
        raise Http404


def complaint_for(actor, reference: str, need: str) -> Complaint:
    """The complaint (with its complainant and the case it duplicates), if the actor may do
    ``need`` on it; else 404. No timeline or evidence is loaded: nothing here shows them."""
    require(actor, need)
    try:
        return (
            complaint_selectors.complaint_visible(actor=actor)
            .select_related("complainant", "duplicate_of")
            .get(reference=(reference or "").strip().upper())
        )
    except Complaint.DoesNotExist as exc:
        raise Http404 from exc


def reachable_complaints(actor):
    """The complaints whose links the actor may see: a queryset, or None for "all of them" (so the
    common case costs no sub-query)."""
    if indicator_may(actor, Need.READ):
        return None
    return Complaint.objects.none()

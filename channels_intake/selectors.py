from __future__ import annotations

from django.db.models import QuerySet

from complaints.permissions import can_read_cases

from .models import InboundItem


def inbound_quarantine_list(*, actor, kind: str | None = None) -> QuerySet[InboundItem]:
    """Quarantined machine input, for agents (visible, reprocessable)."""
    if not can_read_cases(actor):
        return InboundItem.objects.none()
    qs = InboundItem.objects.filter(state=InboundItem.State.QUARANTINED)
    return qs.filter(kind=kind) if kind else qs

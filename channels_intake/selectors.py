from __future__ import annotations

from django.db.models import QuerySet

from complaints.access import Can, require

from .models import InboundItem


def inbound_quarantine_list(*, actor, kind: str | None = None) -> QuerySet[InboundItem]:
    """Quarantined machine input, for agents (visible, reprocessable)."""
    require(actor, Can.CASE_READ)
    qs = InboundItem.objects.filter(state=InboundItem.State.QUARANTINED)
    return qs.filter(kind=kind) if kind else qs

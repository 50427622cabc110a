"""The trail of a data-subject request: every step writes an append-only RequestEvidence row (field
names, reasons and keyed fingerprints only, never values in clear), and the case's timeline says
what was done."""

from __future__ import annotations

from complaints.models import TimelineEvent
from complaints.services.events import timeline_add

from ..models import DataSubjectRequest, RequestEvidence


def _evidence(request: DataSubjectRequest, kind: str, summary: str, actor=None, **data) -> None:
    RequestEvidence.objects.create(request=request, kind=kind, summary=summary, actor=actor, data=data)


def _timeline(request: DataSubjectRequest, text: str, actor=None) -> None:
    timeline_add(
        complaint=request.complaint,
        kind=TimelineEvent.Kind.DATA_REQUEST,
        is_public=False,
        text=text,
        actor=actor,
    )

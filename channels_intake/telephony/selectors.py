"""Reads for centre staff, scoped to the actor. Calls, recordings and faxes are the centre's own
records (OCC-5): agency officers never see them, even on a case referred to their agency (a
recording leaves the centre only through the disclosure gate of ``privacy``). What the actor may
not see answers 404. Every read of a caller's number, a recording or a fax page is logged."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404

from complaints.access import Can, actor_can, require
from complaints.models import Complaint
from complaints.selectors import complaint_visible
from privacy.services import access_log_record

from .models import Call, Fax, FaxPage, Recording


def _centre_staff(actor) -> None:
    require(actor, Can.MEDIA_READ)


# --- calls -----------------------------------------------------------------------------------------


def calls_list(*, actor, state: str | None = None, mine: bool = False) -> QuerySet[Call]:
    require(actor, Can.MEDIA_READ)
    qs = Call.objects.select_related("complaint", "agent")
    if mine:
        qs = qs.filter(agent=actor)
    if state == "active":
        qs = qs.filter(ended_at__isnull=True, started_at__isnull=False)
    elif state == "ended":
        qs = qs.filter(ended_at__isnull=False)
    elif state == "unlinked":
        qs = qs.filter(complaint__isnull=True)
    return qs


def calls_recent(*, actor, active_only: bool = False) -> QuerySet[Call]:
    """Used by the agent desk (interfaces.desk): live calls first."""
    return calls_list(actor=actor, state="active" if active_only else None)


def call_get(*, actor, call_id: str) -> Call:
    _centre_staff(actor)
    call = (
        Call.objects.select_related("complaint", "agent")
        .prefetch_related(
            Prefetch(
                "recordings",
                queryset=Recording.objects.select_related("complaint", "call__complaint").order_by(
                    "created_at", "id"
                ),
            )
        )
        .filter(call_id=call_id)
        .first()
    )
    if call is None:
        raise Http404
    return call


def calls_read_log(*, actor, calls: Iterable[Call], action: str) -> None:
    """The caller's number is personal data: every list or view of calls is logged."""
    rows = [
        (c.complaint.complainant_id if c.complaint_id else None, c.complaint_id, c.pk)
        for c in calls
        if c.caller_number
    ]
    access_log_record(actor=actor, action=action, object_type="call", rows=rows, fields=["caller_number"])


def complaints_by_caller(*, actor, number: str, purpose: str = "caller look-up") -> list[Complaint]:
    """Earlier complaints from the same number (E.164). The look-up itself is written to the access
    log: one entry per complaint shown, or one entry saying the search found nothing."""
    _centre_staff(actor)
    rows = list(
        complaint_visible(actor=actor)
        .filter(complainant__phone=number)
        .select_related("category", "complainant")
        .order_by("-received_at", "-id")[:50]
    )
    access_log_record(
        actor=actor,
        action="search",
        object_type="complainant",
        rows=[(c.complainant_id, c.pk, c.complainant_id) for c in rows] or [(None, None, None)],
        fields=["phone"],
        purpose=purpose,
    )
    return rows


# --- recordings ------------------------------------------------------------------------------------


def recordings_of(complaint: Complaint, *, actor=None) -> QuerySet[Recording]:
    """A case's recordings: uploaded to it, or of a call linked to it. With ``actor``, nothing
    unless the actor is centre staff (callers that already scoped the complaint may omit it)."""
    if actor is not None and not actor_can(actor, Can.MEDIA_READ):
        return Recording.objects.none()
    return (
        Recording.objects.filter(Q(complaint=complaint) | Q(call__complaint=complaint))
        .select_related("complaint", "call__complaint")
        .order_by("created_at", "id")
    )


def recording_get(*, actor, pk: int) -> Recording:
    _centre_staff(actor)
    recording = Recording.objects.select_related("call__complaint", "complaint").filter(pk=pk).first()
    if recording is None:
        raise Http404
    case_id = recording.complaint_id or (recording.call.complaint_id if recording.call_id else None)
    if case_id is not None and not complaint_visible(actor=actor).filter(pk=case_id).exists():
        raise Http404
    return recording


def recording_case(recording: Recording) -> Complaint | None:
    if recording.complaint_id:
        return recording.complaint
    return recording.call.complaint if recording.call_id else None


def recording_access_log(*, actor, recording: Recording, download: bool, detail: str) -> None:
    """Who played or downloaded which recording, and when (OCC-8)."""
    case = recording_case(recording)
    access_log_record(
        actor=actor,
        action="download" if download else "view",
        object_type="recording",
        rows=[(case.complainant_id if case else None, case.pk if case else None, recording.pk)],
        fields=["recording"],
        purpose=detail[:100],
    )


# --- faxes -----------------------------------------------------------------------------------------


def faxes_list(*, actor, needs_transcription: bool | None = True) -> QuerySet[Fax]:
    require(actor, Can.MEDIA_READ)
    qs = Fax.objects.select_related("complaint").prefetch_related(
        Prefetch("page_previews", queryset=FaxPage.objects.order_by("number"))
    )
    if needs_transcription is True:
        qs = qs.filter(transcribed_at__isnull=True)
    elif needs_transcription is False:
        qs = qs.filter(transcribed_at__isnull=False)
    return qs.order_by("received_at", "id")


def faxes_pending(*, actor) -> QuerySet[Fax]:
    """Faxes waiting for transcription (the agent desk's queue marker)."""
    return faxes_list(actor=actor, needs_transcription=True)


def fax_get(*, actor, pk: int) -> Fax:
    _centre_staff(actor)
    fax = (
        Fax.objects.select_related("complaint", "attachment")
        .prefetch_related(Prefetch("page_previews", queryset=FaxPage.objects.order_by("number")))
        .filter(pk=pk)
        .first()
    )
    if fax is None:
        raise Http404
    return fax


def faxes_read_log(*, actor, faxes: Iterable[Fax], action: str) -> None:
    rows = [(f.complaint.complainant_id, f.complaint_id, f.pk) for f in faxes if f.sender_number]
    access_log_record(actor=actor, action=action, object_type="fax", rows=rows, fields=["sender_number"])


def fax_page_get(*, actor, pk: int, number: int) -> FaxPage:
    fax = fax_get(actor=actor, pk=pk)
    page = next((p for p in fax.page_previews.all() if p.number == number), None)
    if page is None:
        raise Http404
    access_log_record(
        actor=actor,
        action="view",
        object_type="fax_page",
        rows=[(fax.complaint.complainant_id, fax.complaint_id, page.pk)],
        fields=["fax"],
    )
    return page

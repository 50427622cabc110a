"""Evidence served to centre staff only, through the channel's selectors (404 for what the user may
not see) with every play, download and view written to the access log (OCC-8)."""

from __future__ import annotations

from django.http import FileResponse

from channels_intake.telephony import selectors as tel
from channels_intake.telephony.ranges import ranged_response
from privacy.services import access_log_record

from ... import selectors
from ...models import Role
from ..auth import staff_page
from ..common import WORKERS

READERS = WORKERS | {Role.PRIVACY_OFFICER}


@staff_page(READERS)
def recording_audio(request, pk: int):
    """The player's source: Range responses (so the player can seek) and an access-log entry per
    request, as the telephony API does."""
    rec = tel.recording_get(actor=request.user, pk=pk)
    if request.method != "HEAD":
        tel.recording_access_log(
            actor=request.user,
            recording=rec,
            download=False,
            detail=f"playback {request.headers.get('Range', '')}".strip(),
        )
    return ranged_response(
        request,
        name=rec.file.name,
        size=rec.size,
        content_type=rec.content_type,
        filename=rec.original_name,
        etag=f'"{rec.sha256}"',
        last_modified=rec.created_at.timestamp(),
        attachment=False,
    )


@staff_page(READERS)
def attachment(request, pk: int):
    att = selectors.attachment_get(actor=request.user, pk=pk)
    access_log_record(
        actor=request.user,
        action="download",
        object_type="attachment",
        rows=[(att.complaint.complainant_id, att.complaint_id, att.pk)],
        fields=["file"],
    )
    response = FileResponse(
        att.file.open("rb"),
        as_attachment=True,
        filename=att.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response


@staff_page(READERS)
def fax_page(request, pk: int, number: int):
    page = tel.fax_page_get(actor=request.user, pk=pk, number=number)  # logs the view
    response = FileResponse(page.preview.open("rb"), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response

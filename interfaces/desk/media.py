"""Evidence served to centre staff only, through the channel's selectors (404 for what the user may
not see) with every play, download and view written to the access log (OCC-8); and the agent's
upload of a call recording onto a case."""

from __future__ import annotations

from django.http import FileResponse

from channels_intake.telephony import selectors as tel
from channels_intake.telephony import services as tel_services
from channels_intake.telephony.models import Recording
from channels_intake.telephony.serving import recording_served
from complaints.access import Can
from complaints.serving import attachment_served

from ..auth import staff_page
from ..errors import refusal_as_message


@staff_page(Can.MEDIA_READ)
def recording_audio(request, pk: int):
    """The player's source: Range responses (so the player can seek) and an access-log entry per
    request, as the telephony API does."""
    return recording_served(request, recording=tel.recording_get(actor=request.user, pk=pk), download=False)


@staff_page(Can.MEDIA_READ)
def attachment(request, pk: int):
    return attachment_served(actor=request.user, pk=pk)


@staff_page(Can.MEDIA_READ)
def fax_page(request, pk: int, number: int):
    page = tel.fax_page_get(actor=request.user, pk=pk, number=number)  # logs the view
    response = FileResponse(page.preview.open("rb"), content_type="image/png")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def recording_attach(request, complaint, upload) -> None:
    """Store a recording the agent uploaded onto the case; a refused file becomes a message on the
    next page (the case itself stands)."""
    refusal_as_message(
        request,
        tel_services.recording_store,
        fileobj=upload,
        filename=upload.name,
        source=Recording.Source.AGENT,
        complaint=complaint,
        uploaded_by=request.user,
    )

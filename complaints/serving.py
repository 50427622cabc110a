"""The one way an evidence file goes out to staff: found through the actor's selector (404 for
what they may not see), written to the access log, served as a download that no browser renders."""

from __future__ import annotations

from django.http import FileResponse

from privacy.services import access_log_record

from . import selectors


def attachment_served(*, actor, pk: int) -> FileResponse:
    attachment = selectors.attachment_get(actor=actor, pk=pk)
    access_log_record(
        actor=actor,
        action="download",
        object_type="attachment",
        rows=[(attachment.complaint.complainant_id, attachment.complaint_id, attachment.pk)],
        fields=["file"],
    )
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment.original_name,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response

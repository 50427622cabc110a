"""The one way a call recording goes out: an access-log entry per request (not for HEAD) and a
Range response, so a player can seek (API and agent desk alike)."""

from __future__ import annotations

from . import selectors
from .ranges import ranged_response


def recording_served(request, *, recording, download: bool):
    if request.method != "HEAD":
        detail = "download" if download else "playback"
        selectors.recording_access_log(
            actor=request.user,
            recording=recording,
            download=download,
            detail=f"{detail} {request.headers.get('Range', '')}".strip(),
        )
    return ranged_response(
        request,
        name=recording.file.name,
        size=recording.size,
        content_type=recording.content_type,
        filename=recording.original_name,
        etag=f'"{recording.sha256}"',
        last_modified=recording.created_at.timestamp(),
        attachment=download,
    )

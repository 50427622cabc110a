"""The telephone channel's word for a refused recording or fax: ``MediaRejected``, a ``Quarantine``.

The checks themselves are the one content check (``occ.content``: sizes, types, the audio and fax
decoders); this module only translates its refusal at the channel's edge, so that raised inside an
inbound processor it keeps the raw input in quarantine with the reason (OCC-5, OCC-8)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from channels_intake.services import Quarantine
from occ import content
from occ.content import (
    AUDIO_FORMATS,
    CHUNK,
    AudioInfo,
    ContentRejected,
    ContentTooLarge,
    FaxInfo,
    Hashed,
    content_named,
    fax_pages_png,
    safe_name,
)

P = ParamSpec("P")
R = TypeVar("R")


class MediaRejected(Quarantine, ContentRejected):
    """A media file the centre refuses. ``status_code``/``code`` shape the API answer."""


class MediaTooLarge(MediaRejected, ContentTooLarge):
    pass


def _as_media(check: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(check)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return check(*args, **kwargs)
        except MediaRejected:
            raise
        except ContentTooLarge as exc:
            raise MediaTooLarge(exc.filename, exc.reason) from exc
        except ContentRejected as exc:
            raise MediaRejected(exc.filename, exc.reason) from exc

    return wrapper


audio_inspect = _as_media(content.audio_inspect)
fax_inspect = _as_media(content.fax_inspect)
hash_stream = _as_media(content.hash_stream)


__all__ = [
    "AUDIO_FORMATS",
    "CHUNK",
    "AudioInfo",
    "FaxInfo",
    "Hashed",
    "MediaRejected",
    "MediaTooLarge",
    "audio_inspect",
    "content_named",
    "fax_inspect",
    "fax_pages_png",
    "hash_stream",
    "safe_name",
]

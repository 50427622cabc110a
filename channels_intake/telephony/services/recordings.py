"""Call recordings as evidence (OCC-5, OCC-8): checked by content, hashed, stored once under a
content-addressed name through Django's storage API, never changed or replaced."""

from __future__ import annotations

from typing import IO

from django.conf import settings
from django.db import IntegrityError, transaction

from channels_intake.models import InboundItem
from complaints.models import Complaint, TimelineEvent
from complaints.services.events import timeline_add
from occ.blobstore import blob_put

from ..media import audio_inspect, hash_stream, safe_name
from ..models import RECORDING_PREFIX, Call, Recording


def _existing(*, sha256: str, call: Call | None, complaint: Complaint | None) -> Recording | None:
    if call is not None:
        return Recording.objects.filter(call=call, sha256=sha256).first()
    return Recording.objects.filter(call__isnull=True, complaint=complaint, sha256=sha256).first()


def recording_add(
    *,
    fileobj: IO[bytes],
    filename: str,
    source: str,
    declared_type: str = "",
    complaint: Complaint | None = None,
    call: Call | None = None,
    uploaded_by=None,
    inbound_item: InboundItem | None = None,
) -> tuple[Recording, bool]:
    """Check, hash and store a recording of a call and/or a complaint. The same bytes for the same
    call (or, without a call, the same complaint) are one recording: returns (recording, created).

    Reads the file in 1 MB chunks (hash) and by seeking (checks); never whole. Raises
    MediaRejected naming what is wrong; then nothing is stored."""
    if call is None and complaint is None:
        raise ValueError("a recording belongs to a call or a complaint")
    name = safe_name(filename, "recording")
    hashed = hash_stream(fileobj, limit=settings.OCC_RECORDING_MAX_BYTES, name=name)
    found = _existing(sha256=hashed.sha256, call=call, complaint=complaint)
    if found is not None:
        return found, False
    info = audio_inspect(fileobj, name=name, size=hashed.size, declared_type=declared_type)
    # outside the transaction: storage may be remote (S3)
    stored = blob_put(fileobj, prefix=RECORDING_PREFIX, sha256=hashed.sha256, size=hashed.size).name
    case = complaint or (call.complaint if call is not None else None)
    try:
        with transaction.atomic():
            recording = Recording.objects.create(
                complaint=complaint,
                call=call,
                file=stored,
                original_name=name,
                content_type=info.content_type,
                container=info.container,
                codec=info.codec,
                duration_seconds=info.duration,
                sample_rate=info.sample_rate,
                channels=info.channels,
                size=hashed.size,
                sha256=hashed.sha256,
                source=source,
                uploaded_by=uploaded_by,
                inbound_item=inbound_item,
            )
            if case is not None:
                timeline_add(
                    complaint=case,
                    kind=TimelineEvent.Kind.EVIDENCE,
                    is_public=False,
                    actor=uploaded_by,
                    text=f"call recording #{recording.pk} added ({info.codec}, {info.duration:.0f} s, "
                    f"{'telephone system' if source == Recording.Source.PBX else 'agent upload'})",
                )
    except IntegrityError:
        found = _existing(sha256=hashed.sha256, call=call, complaint=complaint)
        if found is None:
            raise
        return found, False
    # The stored file is shared by every recording with these bytes and is never removed here:
    # a file written for a losing race is the same content-addressed evidence.
    return recording, True


recording_store = recording_add  # the name the agent desk (interfaces.desk) calls

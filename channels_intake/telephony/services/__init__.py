"""Writes of the telephone and fax channels. Every complaint goes through
``complaints.services.intake.complaint_register`` (the one intake path).

- calls: CTI events from the PBX, phone complaints filed by agents, linking calls to cases;
- recordings: call audio kept as evidence (checked, hashed, stored once, never changed);
- uploads: the resumable (chunked) upload protocol for large recordings;
- fax: faxes into the triage queue, page previews, agent transcription.
"""

from .calls import (
    CallAlreadyLinked,
    CtiEvent,
    call_link,
    cti_event_apply,
    cti_event_parse,
    phone_complaint_register,
)
from .fax import (
    FaxAlreadyTranscribed,
    complaint_telephony_erase,
    fax_previews_due,
    fax_previews_render,
    fax_register,
    fax_transcribe,
)
from .recordings import recording_add, recording_store
from .uploads import (
    UploadConflict,
    upload_abort,
    upload_chunk,
    upload_finalize,
    upload_start,
    uploads_purge_expired,
)

__all__ = [
    "CallAlreadyLinked",
    "CtiEvent",
    "FaxAlreadyTranscribed",
    "UploadConflict",
    "call_link",
    "complaint_telephony_erase",
    "cti_event_apply",
    "cti_event_parse",
    "fax_previews_due",
    "fax_previews_render",
    "fax_register",
    "fax_transcribe",
    "phone_complaint_register",
    "recording_add",
    "recording_store",
    "upload_abort",
    "upload_chunk",
    "upload_finalize",
    "upload_start",
    "uploads_purge_expired",
]

"""Case models: the complaint and its parts (routing to agencies is the ``routing`` app's)."""

from .core import (  # noqa: F401 - the names the app exports
    IDENTITY_FIELDS,
    Agency,
    Attachment,
    Category,
    Channel,
    Complainant,
    Complaint,
    FieldPolicy,
    IdempotencyRecord,
    Priority,
    ReferenceCounter,
    Role,
    Status,
    TimelineEvent,
    User,
    evidence_upload_to,
)

"""Case models: the complaint and its parts (core) and routing to agencies (routing)."""

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
from .routing import (  # noqa: F401
    AgencyCredential,
    DeliveryMethod,
    RecipientNotice,
    Referral,
    ReferralAttempt,
    ReturnedData,
    RoutingRule,
)

"""Hand-offs of personal data to processors (MOST-3, KC-4).

A module that gives personal data to a contractor asks ``processor_handoff`` first, naming the
role it hands to ("sms", "mail", "storage", "transcription"), the purpose and the data
categories. The role's processor (settings ``OCC_PROCESSORS``) must be in the register, within
its contract's validity, contracted for that purpose and those categories; otherwise the hand-off
is refused and logged, with the processor and the reason, never the personal data."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy

from occ.errors import DomainError

from .models import Processor

log = logging.getLogger(__name__)


class ProcessorRefused(DomainError):  # noqa: N818 - the hand-off is refused
    """Raised where personal data would leave for a contractor the register does not cover; an API
    answers 503 in its one error format (the operators fix the register, the person tries again).
    Its text for the log (``str``) names the processor and why; the person reads only ``text``."""

    code = "processor_refused"
    status_code = 503
    message = gettext_lazy("This cannot be done just now; please try again later.")

    def __init__(self, role: str, code: str, reason: str):
        super().__init__()
        self.role, self.processor, self.reason = role, code, reason

    def __str__(self) -> str:
        return f"hand-off to processor '{self.processor or '-'}' ({self.role}) refused: {self.reason}"


def processor_for(role: str) -> str:
    """The register code of the processor configured for a role; '' when the role is done in house."""
    return (getattr(settings, "OCC_PROCESSORS", {}) or {}).get(role, "")


def processor_handoff(role: str, *, purpose: str, data: Iterable[str]) -> Processor | None:
    """The processor entry the hand-off goes to, or ProcessorRefused. None when the role is not
    outsourced at all (e.g. evidence on the centre's own disk)."""
    code = processor_for(role)
    if not code:
        return None
    wanted = list(data)
    processor = Processor.objects.filter(code=code).first()
    reason = ""
    if processor is None:
        reason = "not in the processor register"
    elif not processor.is_valid_on(timezone.localdate()):
        reason = "its contract is not in force today"
    elif purpose not in processor.purposes:
        reason = f"purpose '{purpose}' is not in its contract"
    elif not set(wanted) <= set(processor.data_categories):
        reason = (
            f"data categories {sorted(set(wanted) - set(processor.data_categories))} are not in its contract"
        )
    if reason:
        log.warning(
            "hand-off refused: role=%s processor=%s purpose=%s reason=%s", role, code or "-", purpose, reason
        )
        raise ProcessorRefused(role, code, reason)
    log.info("hand-off: role=%s processor=%s purpose=%s data=%s", role, code, purpose, ",".join(wanted))
    return processor


def processors_register() -> list[dict]:
    """The register as the record of processing (s.39) lists it."""
    today = timezone.localdate()
    return [
        {
            "code": p.code,
            "name": p.name,
            "contract_reference": p.contract_reference,
            "purposes": list(p.purposes),
            "data_categories": list(p.data_categories),
            "confidentiality_terms": p.confidentiality_terms,
            "valid_from": p.valid_from.isoformat(),
            "valid_to": p.valid_to.isoformat() if p.valid_to else None,
            "in_force": p.is_valid_on(today),
            "roles": sorted(
                r for r, c in (getattr(settings, "OCC_PROCESSORS", {}) or {}).items() if c == p.code
            ),
        }
        for p in Processor.objects.order_by("code")
    ]


# The demo's contractors (the local demo and the tests): the real contracts replace these rows.
DEMO_PROCESSORS = [
    {
        "code": "sms-gateway",
        "name": "SMS gateway (demo)",
        "contract_reference": "DEMO-SMS-2569/001",
        "purposes": ["one_time_code"],
        "data_categories": ["phone_number", "message_text"],
        "confidentiality_terms": (
            "Keeps numbers and messages confidential, uses them only to deliver the centre's messages, "
            "deletes them after 30 days, no subcontracting without written consent."
        ),
    },
    {
        "code": "mail-relay",
        "name": "Mail relay (demo)",
        "contract_reference": "DEMO-MAIL-2569/002",
        "purposes": ["acknowledgement", "one_time_code", "status_update"],
        "data_categories": ["email_address", "message_text"],
        "confidentiality_terms": (
            "Relays the centre's mail only; keeps addresses and content confidential; delivery logs "
            "for 30 days; never used for marketing."
        ),
    },
    {
        "code": "object-storage",
        "name": "Object storage for evidence (production)",
        "contract_reference": "DEMO-STORAGE-2569/003",
        "purposes": ["evidence_storage"],
        "data_categories": ["evidence_files"],
        "confidentiality_terms": (
            "Stores encrypted objects in Thailand; no access to content except by the centre's order; "
            "returns or destroys data at contract end."
        ),
    },
]


def processors_demo_load() -> None:
    for row in DEMO_PROCESSORS:
        Processor.objects.update_or_create(
            code=row["code"],
            defaults={k: v for k, v in row.items() if k != "code"} | {"valid_from": date(2026, 1, 1)},
        )

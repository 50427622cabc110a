"""SMS delivery of one-time codes. Production plugs a gateway class in OCC_SMS_BACKEND."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from privacy.processors import processor_handoff

outbox: list[tuple[str, str]] = []


class OutboxSmsBackend:
    """Keeps messages in memory (tests and the local demo); nothing leaves the machine."""

    def send(self, number: str, text: str) -> None:
        outbox.append((number, text))


def sms_send(number: str, text: str, *, purpose: str = "one_time_code") -> None:
    """Hand the number and the text to the SMS gateway named in the processor register (MOST-3,
    KC-4); ProcessorRefused when it is not registered or its contract is not in force."""
    processor_handoff("sms", purpose=purpose, data=["phone_number", "message_text"])
    import_string(settings.OCC_SMS_BACKEND)().send(number, text)

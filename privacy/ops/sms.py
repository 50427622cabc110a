"""SMS delivery of one-time codes. Production plugs a gateway class in OCC_SMS_BACKEND."""

from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

outbox: list[tuple[str, str]] = []


class OutboxSmsBackend:
    """Keeps messages in memory (tests and the local demo); nothing leaves the machine."""

    def send(self, number: str, text: str) -> None:
        outbox.append((number, text))


def sms_send(number: str, text: str) -> None:
    import_string(settings.OCC_SMS_BACKEND)().send(number, text)

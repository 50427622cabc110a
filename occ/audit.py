"""Audit helpers shared by every app (django-auditlog)."""

from __future__ import annotations

from typing import Any


def mask_value(value: str) -> str:
    """Audit entries record that a personal field changed, never its value (OCC-8)."""
    return "[masked]" if value not in ("", "None") else value


def bind_actor(user: Any) -> None:
    """Give the audit context of this request its actor once DRF has authenticated it.

    AuditlogMiddleware runs before DRF's token authentication, so for token clients it sees an
    anonymous user; the API base view calls this after authentication.
    """
    from auditlog.context import auditlog_value

    try:
        context = auditlog_value.get()
    except LookupError:
        return
    if getattr(user, "is_authenticated", False):
        context["actor"] = user

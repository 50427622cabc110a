"""What the disclosure gate would send an agency, without sending anything: the one preview shape
the desk's routing panel and the staff API both show (the desk adds its labels around it).

``{"fields", "payload", "sha256", "redactions", "basis_reference"}`` for what the gate releases,
or ``{"refused": <code>, "reason": <in the reader's language>}`` when it refuses."""

from __future__ import annotations

from typing import Any

from .disclosure import Decision, DisclosureRefused, disclosure_decide


def decision_preview(decision: Decision) -> dict[str, Any]:
    """The preview of a decision the gate made."""
    return {
        "fields": list(decision.fields),
        "payload": decision.payload,
        "sha256": decision.sha256,
        "redactions": dict(decision.redactions),
        "basis_reference": decision.basis_reference,
    }


def disclosure_preview(**decide: Any) -> dict[str, Any]:
    """Ask the gate (``disclosure_decide``'s keyword arguments) and answer the preview, or the refusal."""
    try:
        return decision_preview(disclosure_decide(**decide))
    except DisclosureRefused as exc:
        return {"refused": exc.code, "reason": exc.reason}

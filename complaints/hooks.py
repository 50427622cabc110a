"""Extension points for the apps above complaints (which complaints must never import).

A higher app registers a callback in its ``AppConfig.ready()``; complaints calls every registered
callback at the moment named, inside the caller's transaction, so what a callback writes commits or
rolls back with the change that caused it. Callbacks must be cheap (they run in the intake
transaction) and must not call the broker (no ``.delay()`` here; write an outbox row instead).

- ``incident_facts``: after a complaint is filed (every channel, in ``complaint_register``;
  ``created=True``) and whenever its incident facts, description or complainant change (fax
  transcription, an agent's edit, anonymisation). The callback gets the complaint (its
  complainant loaded) and ``created``.
- ``complaint_registered``: ``callback(complaint)`` once a complaint is filed on any channel, after
  its row exists. privacy.ops registers the record of the privacy policy in force at intake (OCC-12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_incident_facts: list[Callable[..., None]] = []
_registered: list[Callable[[Any], None]] = []


def on_incident_facts(callback: Callable[..., None]) -> Callable[..., None]:
    """Register ``callback(complaint, *, created)``; registering the same callback twice keeps one."""
    if callback not in _incident_facts:
        _incident_facts.append(callback)
    return callback


def incident_facts_changed(complaint: Any, *, created: bool = False) -> None:
    for callback in list(_incident_facts):
        callback(complaint, created=created)


def on_complaint_registered(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """Register ``callback(complaint)``; registering the same callback twice keeps one."""
    if callback not in _registered:
        _registered.append(callback)
    return callback


def complaint_registered(complaint: Any) -> None:
    for callback in list(_registered):
        callback(complaint)

"""Extension points for the apps above complaints (which complaints must never import).

A higher app registers a callback in its ``AppConfig.ready()``; complaints calls every registered
callback at the moment named, inside the caller's transaction, so what a callback writes commits or
rolls back with the change that caused it. Callbacks must be cheap (they run in the intake
transaction) and must not call the broker (no ``.delay()`` here; write an outbox row instead).

- ``incident_facts``: after a complaint is filed (every channel, in ``complaint_register``;
  ``created=True``) and whenever its incident facts, description or complainant change (fax
  transcription, an agent's edit, anonymisation). The callback gets the complaint (its
  complainant loaded) and ``created``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_incident_facts: list[Callable[..., None]] = []


def on_incident_facts(callback: Callable[..., None]) -> Callable[..., None]:
    """Register ``callback(complaint, *, created)``; registering the same callback twice keeps one."""
    if callback not in _incident_facts:
        _incident_facts.append(callback)
    return callback


def incident_facts_changed(complaint: Any, *, created: bool = False) -> None:
    for callback in list(_incident_facts):
        callback(complaint, created=created)

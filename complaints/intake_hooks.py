"""Callbacks the intake service calls for the apps above complaints (which complaints never imports).

A higher app registers a callback in its ``AppConfig.ready()``; ``complaint_register`` calls every
registered callback once the complaint row exists, inside the intake transaction, so what a callback
writes commits or rolls back with the complaint. Callbacks must be cheap and must not call the broker.

- ``on_complaint_registered(callback)``: ``callback(complaint)`` after a complaint is filed on any
  channel. privacy.ops registers the record of the privacy policy in force at intake (OCC-12).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_registered: list[Callable[[Any], None]] = []


def on_complaint_registered(callback: Callable[[Any], None]) -> Callable[[Any], None]:
    """Register ``callback(complaint)``; registering the same callback twice keeps one."""
    if callback not in _registered:
        _registered.append(callback)
    return callback


def complaint_registered(complaint: Any) -> None:
    for callback in list(_registered):
        callback(complaint)

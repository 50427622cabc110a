"""Per-process copies of small reference tables (categories, the policy versions, mail rules).

Each copy is loaded once per process, dropped in this process when one of its models is saved
or deleted (at once and again at commit, so a rolled-back change is not kept), and reloaded by
other processes after ``OCC_REFERENCE_TTL`` seconds: a change in the admin reaches every web
worker within that time. Intake then reads these tables without a query."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
_all: list[ProcessCopy] = []


class ProcessCopy(Generic[T]):
    def __init__(self, load: Callable[[], T], *, models: tuple[str, ...]):
        self._load = load
        self._models = models
        self._value: tuple[float, T] | None = None
        self._lock = threading.Lock()
        self._connected = False
        _all.append(self)

    def _connect(self) -> None:
        from django.apps import apps

        for label in self._models:
            model = apps.get_model(label)
            post_save.connect(self._changed, sender=model, weak=False)
            post_delete.connect(self._changed, sender=model, weak=False)
        self._connected = True

    def _changed(self, **kwargs) -> None:
        self.forget()
        transaction.on_commit(self.forget)

    def get(self) -> T:
        if not self._connected:
            self._connect()
        now = time.monotonic()
        current = self._value
        if current is None or now - current[0] > getattr(settings, "OCC_REFERENCE_TTL", 30):
            with self._lock:
                current = (now, self._load())
                self._value = current
        return current[1]

    def forget(self) -> None:
        self._value = None


def forget_all() -> None:
    """Drop every copy (tests: a rolled-back test sends no signal)."""
    for copy in _all:
        copy.forget()

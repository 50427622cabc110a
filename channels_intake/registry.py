"""Per-kind processors of inbound items. A channel registers one processor per kind it owns."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import InboundItem
    from .services import Processed

Processor = Callable[["InboundItem"], "Processed"]
PROCESSORS: dict[str, Processor] = {}


def processor(kind: str) -> Callable[[Processor], Processor]:
    def register(fn: Processor) -> Processor:
        PROCESSORS[kind] = fn
        return fn

    return register

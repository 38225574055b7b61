"""Read models kept by a service's own events, updated inline in the writing transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload


class Projection(Protocol):
    """Applies events to read-model tables. Must be deterministic: a rebuild from the event
    store has to give exactly the live tables."""

    @property
    def name(self) -> str: ...

    @property
    def tables(self) -> Sequence[str]:
        """Tables this projection owns: emptied before a rebuild."""
        ...

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None: ...

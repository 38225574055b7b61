"""Read models kept by a service's own events, updated inline in the writing transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import asyncpg

from kite_common.events import EventEnvelope, EventPayload


class Projection(Protocol):
    """Applies events to read-model tables. Must be deterministic: a rebuild from the event
    store has to give exactly the live tables."""

    name: str
    tables: Sequence[str]

    async def apply(self, conn: asyncpg.Connection, event: EventEnvelope, payload: EventPayload) -> None: ...

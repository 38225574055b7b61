"""Read models kept by a service's own events, updated inline in the writing transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

Applied = tuple[EventEnvelope, EventPayload]


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


@runtime_checkable
class BatchProjection(Protocol):
    """A projection that can also apply many events in a few statements (COPY, aggregated
    upserts): bulk imports and rebuilds use it. The result must equal applying them one by one."""

    async def apply_many(self, conn: Connection, items: Sequence[Applied]) -> None: ...


async def apply_all(conn: Connection, projections: Sequence[Projection], items: Sequence[Applied]) -> None:
    """Apply events, in order, to every projection; batch-capable projections get them all at once."""
    for projection in projections:
        if isinstance(projection, BatchProjection) and len(items) > 1:
            await projection.apply_many(conn, items)
        else:
            for envelope, payload in items:
                await projection.apply(conn, envelope, payload)

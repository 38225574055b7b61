"""Read models kept by a service's own events, updated inline in the writing transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

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


@runtime_checkable
class PreparedProjection(Protocol):
    """A projection that takes the first events of new streams in two steps, for bulk appends:
    `prepare_new` makes, without the database, what one new stream's events write (plain data that
    pickles: a bulk import makes it in another process), or None when they do not concern this
    projection; `write_prepared` writes many streams' prepared data at once. Data that is bytes is
    taken for lines of COPY text: many streams' lines may come joined, as one bytes item. The result
    must equal applying the events one by one."""

    def prepare_new(self, items: Sequence[Applied]) -> Any: ...

    async def write_prepared(self, conn: Connection, prepared: Sequence[Any]) -> None: ...


class AppliedWhenPrepared:
    """PreparedProjection for a projection that bulk appends seldom concern: the events of the types it
    `handles` are kept as they are and applied one by one; any other event is left out at once."""

    handles: tuple[type[EventPayload], ...] = ()

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        raise NotImplementedError

    def prepare_new(self, items: Sequence[Applied]) -> list[Applied] | None:
        kept = [item for item in items if isinstance(item[1], self.handles)]
        return kept or None

    async def write_prepared(self, conn: Connection, prepared: Sequence[list[Applied]]) -> None:
        for items in prepared:
            for envelope, payload in items:
                await self.apply(conn, envelope, payload)

"""Read models kept by a service's own events, updated inline in the writing transaction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

from kite_common.db.statements import Write
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


@runtime_checkable
class StatementProjection(Protocol):
    """A projection that can say what it writes for some events as writes (`kite_common.db.statements`)
    that go in the append's own statement, so the store, the outbox and the read models are one round
    trip. `writes` answers [] when the events do not concern it, and None when they need `apply`: its
    writes run on the snapshot before the append, beside the event store's, the outbox's, the other
    projections' and the command's own, so they must not read or touch rows any of those write (a
    projection that reads what an earlier one wrote, or that must see its own earlier events of the
    same append, answers None)."""

    def writes(self, items: Sequence[Applied]) -> list[Write] | None: ...


def statement_writes(projections: Sequence[Projection], items: Sequence[Applied]) -> list[Write] | None:
    """Every projection's writes for `items`, or None when any projection needs `apply` for them."""
    out: list[Write] = []
    for projection in projections:
        writes = getattr(projection, "writes", None)  # not isinstance: a runtime protocol check is slow
        found = writes(items) if writes is not None else None
        if found is None:
            return None
        out += found
    return out


async def apply_all(conn: Connection, projections: Sequence[Projection], items: Sequence[Applied]) -> None:
    """Apply events, in order, to every projection; batch-capable projections get them all at once."""
    for projection in projections:
        if len(items) > 1 and isinstance(projection, BatchProjection):
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
    `handles` are kept as they are and applied one by one; any other event is left out at once (also
    from an append's statement: StatementProjection)."""

    handles: tuple[type[EventPayload], ...] = ()

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        raise NotImplementedError

    def prepare_new(self, items: Sequence[Applied]) -> list[Applied] | None:
        kept = [item for item in items if isinstance(item[1], self.handles)]
        return kept or None

    def writes(self, items: Sequence[Applied]) -> list[Write] | None:
        """StatementProjection: nothing for events it does not handle; `apply` for those it does."""
        return None if any(isinstance(payload, self.handles) for _, payload in items) else []

    async def write_prepared(self, conn: Connection, prepared: Sequence[list[Applied]]) -> None:
        for items in prepared:
            for envelope, payload in items:
                await self.apply(conn, envelope, payload)

"""Bulk writes of casework's projections (kite_common.projection.BatchProjection): a bulk append or a
rebuild hands a projection many events at once, and the openings among them — one INSERT each — go in
one `executemany` per run of consecutive openings; every other event is applied one by one, in order,
so the result equals applying them one by one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import Applied

from kite_casework.domain.events import CaseOpened


class OpenedInRuns:
    """For a projection whose `apply` of a CaseOpened is `opened_sql` with `opened_row(...)`."""

    opened_sql: str

    def opened_row(self, event: EventEnvelope, payload: CaseOpened) -> Sequence[Any]:
        raise NotImplementedError

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        raise NotImplementedError

    async def apply_many(self, conn: Connection, items: Sequence[Applied]) -> None:
        run: list[Sequence[Any]] = []
        for envelope, payload in items:
            if isinstance(payload, CaseOpened):
                run.append(self.opened_row(envelope, payload))
                continue
            if run:
                await conn.executemany(self.opened_sql, run)
                run = []
            await self.apply(conn, envelope, payload)
        if run:
            await conn.executemany(self.opened_sql, run)

"""Due schedules: a worker that acts on rows whose moment has come, exactly once, on many replicas.

A schedule is a read-model table kept by a projection, one row per thing being watched, with a
nullable `due_at` (the next moment a worker must look at it; null when nothing is left to do),
a partial index on it (`WHERE due_at IS NOT NULL`) and a `leased_until` column. A pass claims up
to a batch of due rows, earliest first, that no other replica holds (`FOR UPDATE SKIP LOCKED`),
by setting a short lease, and hands each to a command that decides on the aggregate and writes
its events. Exactly once comes from the aggregate (it records a fact only once per moment, and
its write is appended at the version it was read at, so of two replicas one wins and the other,
retried on the conflict, finds nothing left); the lease only keeps replicas from doing the same
work twice. A replica that dies mid-batch leaves leases that run out and the rows are claimed
again; one that was down when the moment came finds the row still due (in the past) and acts
then. The projection clears the lease with every change it makes to a row.

`claim_due` is the claim; `watch_loop` is the worker loop around a pass (pause when a batch was
not full, a failed pass logged and tried again after the interval).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from kite_common.clock import utcnow
from kite_common.db.types import Connection

log = logging.getLogger(__name__)

DEFAULT_LEASE = timedelta(seconds=60)


@dataclass(frozen=True)
class DueSchedule:
    """`table` keyed by `key`, with `due_at` and `leased_until` columns; a claim returns `columns`."""

    table: str
    key: str
    columns: Sequence[str]
    lease: timedelta = DEFAULT_LEASE

    def claim_sql(self) -> str:
        returned = ", ".join(f"s.{c}" for c in (self.key, *self.columns))
        return f"""UPDATE {self.table} s SET leased_until = $2
               FROM (SELECT {self.key} FROM {self.table}
                     WHERE due_at <= $1 AND (leased_until IS NULL OR leased_until <= $1)
                     ORDER BY due_at LIMIT $3 FOR UPDATE SKIP LOCKED) due
               WHERE s.{self.key} = due.{self.key}
               RETURNING {returned}"""


async def claim_due(conn: Connection, schedule: DueSchedule, now: datetime, batch_size: int) -> list[Any]:
    """Lease up to `batch_size` rows due at `now`, earliest first, that no other replica holds."""
    rows: list[Any] = await conn.fetch(schedule.claim_sql(), now, now + schedule.lease, batch_size)
    return rows


async def watch_loop(
    name: str,
    stop: asyncio.Event,
    one_pass: Callable[[datetime], Awaitable[tuple[int, int]]],
    batch_size: int,
    poll_interval_s: float,
) -> None:
    """Run `one_pass(now)` → (rows claimed, events written) until `stop`; straight on while batches
    come back full, else after `poll_interval_s`."""
    while not stop.is_set():
        try:
            claimed, written = await one_pass(utcnow())
        except Exception:  # the database may be away for a moment: try again after the interval
            log.exception("%s: pass failed", name)
            claimed, written = 0, 0
        if written:
            log.info("%s: %d events for %d rows", name, written, claimed)
        if claimed < batch_size:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_interval_s)

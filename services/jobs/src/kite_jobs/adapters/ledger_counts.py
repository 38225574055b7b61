"""Writes the pre-aggregated employment ledger (`ledger_months`, `ledger_households`, migration 0011).

Each change adds the difference between what the changed fact counted before and after it
(domain/ledger.py), in one statement, cells in key order (two writers never lock them crosswise).
`counted` wraps a change: it reads what the fact counts, lets the change happen, reads again and adds
the difference — applied twice, an event adds nothing the second time.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

from kite_common.db.types import Connection

from kite_jobs.domain.ledger import (
    FLOW_COLUMNS,
    HOUSEHOLD_COLUMNS,
    Cell,
    Counts,
    completion_counts,
    difference,
    follow_up_counts,
    placement_counts,
)

_ADD_MONTHS = f"""
INSERT INTO ledger_months AS l (division_code, month, {", ".join(FLOW_COLUMNS)})
SELECT d, m, {", ".join(f"sum((c = '{col}')::int * n)" for col in FLOW_COLUMNS)}
FROM unnest($1::text[], $2::date[], $3::text[], $4::int[]) AS x(d, m, c, n)
GROUP BY d, m ORDER BY d, m
ON CONFLICT (division_code, month) DO UPDATE SET
    {", ".join(f"{col} = l.{col} + EXCLUDED.{col}" for col in FLOW_COLUMNS)}
"""

_ADD_HOUSEHOLDS = f"""
INSERT INTO ledger_households AS l (division_code, {", ".join(HOUSEHOLD_COLUMNS)})
SELECT d, {", ".join(f"sum((c = '{col}')::int * n)" for col in HOUSEHOLD_COLUMNS)}
FROM unnest($1::text[], $2::text[], $3::int[]) AS x(d, c, n)
GROUP BY d ORDER BY d
ON CONFLICT (division_code) DO UPDATE SET
    {", ".join(f"{col} = l.{col} + EXCLUDED.{col}" for col in HOUSEHOLD_COLUMNS)}
"""


async def add(conn: Connection, delta: Mapping[Cell, int]) -> None:
    """Add `delta` to the ledger's cells: monthly cells to ledger_months, the others to ledger_households."""
    months = [(d, m, c, n) for (d, m, c), n in delta.items() if m is not None]
    homes = [(d, c, n) for (d, m, c), n in delta.items() if m is None]
    if months:
        await conn.execute(_ADD_MONTHS, *map(list, zip(*sorted(months), strict=True)))
    if homes:
        await conn.execute(_ADD_HOUSEHOLDS, *map(list, zip(*sorted(homes), strict=True)))


@asynccontextmanager
async def counted(conn: Connection, read: Callable[[], Awaitable[Counts]]) -> AsyncIterator[None]:
    """Count the change made inside: what `read` says of the fact after, less what it said before."""
    before = await read()
    yield
    delta = difference(before, await read())
    if delta:
        await add(conn, delta)


def placement(conn: Connection, placement_id: uuid.UUID) -> Callable[[], Awaitable[Counts]]:
    async def read() -> Counts:
        row = await conn.fetchrow(
            "SELECT member_origin_division_code, start_date, left_on FROM placements WHERE placement_id = $1",
            placement_id,
        )
        return Counter() if row is None else placement_counts(*row)

    return read


def follow_up(conn: Connection, placement_id: uuid.UUID, month: int) -> Callable[[], Awaitable[Counts]]:
    async def read() -> Counts:
        row = await conn.fetchrow(
            """SELECT member_origin_division_code, coalesce(followed_up_on, due_on), still_employed FROM follow_ups
               WHERE placement_id = $1 AND month = $2 AND status = 'recorded'""",
            placement_id,
            month,
        )
        return Counter() if row is None else follow_up_counts(row[0], month, row[1], row[2])

    return read


def completion(conn: Connection, course_id: uuid.UUID, member_id: uuid.UUID) -> Callable[[], Awaitable[Counts]]:
    async def read() -> Counts:
        row = await conn.fetchrow(
            "SELECT member_origin_division_code, completed_on FROM enrolments WHERE course_id = $1 AND member_id = $2",
            course_id,
            member_id,
        )
        return Counter() if row is None else completion_counts(*row)

    return read

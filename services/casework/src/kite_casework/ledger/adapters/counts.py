"""Writes the pre-aggregated service ledger (`service_ledger_counts`, migration 0020).

Each change adds the difference between what the changed fact counted before and after it
(ledger/domain/counts.py), in one statement, cells in key order (two writers never lock them
crosswise). `counted` wraps a change: it reads what the fact counts, lets the change happen, reads
again and adds the difference — applied twice, an event adds nothing the second time.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from kite_common.db.types import Connection

from kite_casework.ledger.domain.counts import (
    CaseFacts,
    Cell,
    Counts,
    case_counts,
    certificate_counts,
    difference,
)

_ADD = """
INSERT INTO service_ledger_counts AS l (level, place, month, metric, n)
SELECT * FROM unnest($1::smallint[], $2::text[], $3::date[], $4::text[], $5::bigint[])
ON CONFLICT (level, place, month, metric) DO UPDATE SET n = l.n + EXCLUDED.n
"""

CASE_FACTS = """SELECT case_id, month, origin_code, work_code, status, category, channel, sla_tier, accept_seconds,
       resolve_seconds, resolved_on_time, satisfaction, escalations, claimed_fen, recovered_fen,
       relief_paid_fen, funds_raised_fen, office_id
FROM service_ledger_cases"""


async def add(conn: Connection, delta: Mapping[Cell, int]) -> None:
    """Add `delta` to the ledger's cells (already one entry per cell)."""
    cells = sorted((cell, n) for cell, n in delta.items() if n)
    if cells:
        columns = list(zip(*(cell for cell, _ in cells), strict=True))
        await conn.execute(_ADD, *map(list, columns), [n for _, n in cells])


@asynccontextmanager
async def counted(conn: Connection, read: Callable[[], Awaitable[Counts]]) -> AsyncIterator[None]:
    """Count the change made inside: what `read` says of the fact after, less what it said before."""
    before = await read()
    yield
    delta = difference(before, await read())
    if delta:
        await add(conn, delta)


def facts(row: Any) -> CaseFacts:
    return CaseFacts(
        month=row["month"],
        origin_code=row["origin_code"],
        work_code=row["work_code"],
        status=row["status"],
        category=row["category"],
        channel=row["channel"],
        sla_tier=row["sla_tier"],
        accept_seconds=row["accept_seconds"],
        resolve_seconds=row["resolve_seconds"],
        resolved_on_time=row["resolved_on_time"],
        satisfaction=row["satisfaction"],
        escalations=row["escalations"],
        money_fen={
            "claimed": row["claimed_fen"],
            "recovered": row["recovered_fen"],
            "relief_paid": row["relief_paid_fen"],
            "funds_raised": row["funds_raised_fen"],
        },
        office_id=None if row["office_id"] is None else str(row["office_id"]),
    )


def case(conn: Connection, case_id: uuid.UUID) -> Callable[[], Awaitable[Counts]]:
    async def read() -> Counts:
        row = await conn.fetchrow(f"{CASE_FACTS} WHERE case_id = $1", case_id)
        return case_counts(None if row is None else facts(row))

    return read


def certificate(conn: Connection, certificate_id: uuid.UUID) -> Callable[[], Awaitable[Counts]]:
    async def read() -> Counts:
        row = await conn.fetchrow(
            """SELECT month, origin_code, revoked, office_id FROM service_ledger_certificates
               WHERE certificate_id = $1""",
            certificate_id,
        )
        if row is None:
            return Counts()
        office = None if row["office_id"] is None else str(row["office_id"])
        return certificate_counts(row["month"], row["origin_code"], row["revoked"], office)

    return read


async def first_time(conn: Connection, event_id: uuid.UUID) -> bool:
    """Whether an event that adds to a fact (a money entry, an escalation) is applied for the first time."""
    inserted = await conn.fetchval(
        "INSERT INTO service_ledger_increments (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING true",
        event_id,
    )
    return bool(inserted)

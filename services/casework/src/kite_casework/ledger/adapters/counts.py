"""Writes the pre-aggregated service ledger (`service_ledger_counts`, migration 0020).

Each change adds the difference between what the changed fact counted before and after it
(ledger/domain/counts.py), in one statement, cells in key order (two writers never lock them
crosswise). A change reads the fact's before and after in the statement that makes it (an UPDATE
joined to the row it locks returns both; an INSERT that inserts nothing counts nothing): one read
per event, and an event applied twice changes nothing the second time, so adds nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from kite_common.db.types import Connection

from kite_casework.ledger.domain.counts import (
    CaseFacts,
    Cell,
    case_counts,
    certificate_counts,
    difference,
)

_ADD = """
INSERT INTO service_ledger_counts AS l (level, place, month, metric, n)
SELECT * FROM unnest($1::smallint[], $2::text[], $3::date[], $4::text[], $5::bigint[])
ON CONFLICT (level, place, month, metric) DO UPDATE SET n = l.n + EXCLUDED.n
"""

FACT_COLUMNS = (
    "month",
    "origin_code",
    "work_code",
    "status",
    "category",
    "channel",
    "sla_tier",
    "accept_seconds",
    "resolve_seconds",
    "resolved_on_time",
    "satisfaction",
    "escalations",
    "claimed_fen",
    "recovered_fen",
    "relief_paid_fen",
    "funds_raised_fen",
    "office_id",
)
# The old row's columns are renamed (old_*) so the SET expressions' bare names mean the row updated.
_OLD = ", ".join(f"{column} AS old_{column}" for column in FACT_COLUMNS)
_RETURNED = ", ".join([f"o.old_{column}" for column in FACT_COLUMNS] + [f"c.{column}" for column in FACT_COLUMNS])


async def add(conn: Connection, delta: Mapping[Cell, int]) -> None:
    """Add `delta` to the ledger's cells (already one entry per cell)."""
    cells = sorted((cell, n) for cell, n in delta.items() if n)
    if cells:
        columns = list(zip(*(cell for cell, _ in cells), strict=True))
        await conn.execute(_ADD, *map(list, columns), [n for _, n in cells])


def facts(row: Any, prefix: str = "") -> CaseFacts:
    def col(name: str) -> Any:
        return row[prefix + name]

    office = col("office_id")
    return CaseFacts(
        month=col("month"),
        origin_code=col("origin_code"),
        work_code=col("work_code"),
        status=col("status"),
        category=col("category"),
        channel=col("channel"),
        sla_tier=col("sla_tier"),
        accept_seconds=col("accept_seconds"),
        resolve_seconds=col("resolve_seconds"),
        resolved_on_time=col("resolved_on_time"),
        satisfaction=col("satisfaction"),
        escalations=col("escalations"),
        money_fen={
            "claimed": col("claimed_fen"),
            "recovered": col("recovered_fen"),
            "relief_paid": col("relief_paid_fen"),
            "funds_raised": col("funds_raised_fen"),
        },
        office_id=None if office is None else str(office),
    )


async def update_case(conn: Connection, case_id: uuid.UUID, assignments: str, values: Sequence[Any]) -> None:
    """Update a case's facts ($1 is its id, $2… `values`) and add what the change counts, in two statements."""
    row = await conn.fetchrow(
        f"""UPDATE service_ledger_cases c SET {assignments}
            FROM (SELECT case_id AS old_id, {_OLD} FROM service_ledger_cases WHERE case_id = $1 FOR UPDATE) o
            WHERE c.case_id = o.old_id
            RETURNING {_RETURNED}""",
        case_id,
        *values,
    )
    if row is not None:
        await add(conn, difference(case_counts(facts(row, "old_")), case_counts(facts(row))))


async def issue_certificate(conn: Connection, row: Sequence[Any]) -> None:
    """Record an issued certificate (id, month, origin, template, office) and, if new, count it."""
    certificate_id, month, origin_code, template, office_id = row
    inserted = await conn.fetchval(
        """INSERT INTO service_ledger_certificates (certificate_id, month, origin_code, template, office_id)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (certificate_id) DO NOTHING RETURNING true""",
        certificate_id,
        month,
        origin_code,
        template,
        office_id,
    )
    if inserted:
        office = None if office_id is None else str(office_id)
        await add(conn, certificate_counts(month, origin_code, False, office))


async def revoke_certificate(conn: Connection, certificate_id: uuid.UUID) -> None:
    """Mark a certificate revoked and, the first time, take it out of the count of valid ones."""
    row = await conn.fetchrow(
        """UPDATE service_ledger_certificates c SET revoked = true
           FROM (SELECT certificate_id AS old_id, revoked AS was_revoked FROM service_ledger_certificates
                 WHERE certificate_id = $1 FOR UPDATE) o
           WHERE c.certificate_id = o.old_id
           RETURNING o.was_revoked, c.month, c.origin_code, c.office_id""",
        certificate_id,
    )
    if row is None or row["was_revoked"]:
        return
    office = None if row["office_id"] is None else str(row["office_id"])
    before = certificate_counts(row["month"], row["origin_code"], False, office)
    await add(conn, difference(before, certificate_counts(row["month"], row["origin_code"], True, office)))


async def first_time(conn: Connection, event_id: uuid.UUID) -> bool:
    """Whether an event that adds to a fact (a money entry, an escalation) is applied for the first time."""
    inserted = await conn.fetchval(
        "INSERT INTO service_ledger_increments (event_id) VALUES ($1) ON CONFLICT DO NOTHING RETURNING true",
        event_id,
    )
    return bool(inserted)

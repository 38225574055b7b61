"""Casework's employer directory: its own copy of the employers jobs registered, in the
`employer_directory` table (no service reads another's tables). Fed by the employer-directory
consumer; looked up when a case names a jobs employer id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from kite_common.db.types import Connection


@dataclass(frozen=True)
class KnownEmployer:
    employer_id: uuid.UUID
    name: str
    credit_code: str | None


async def record_employer(
    conn: Connection,
    employer_id: uuid.UUID,
    name: str,
    credit_code: str | None,
    area_division_code: str,
    registered_at: datetime,
) -> None:
    await conn.execute(
        """INSERT INTO employer_directory (employer_id, name, credit_code, area_division_code, registered_at)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (employer_id) DO NOTHING""",
        employer_id,
        name,
        credit_code,
        area_division_code,
        registered_at,
    )


async def find_employer(conn: Connection, employer_id: uuid.UUID) -> KnownEmployer | None:
    row = await conn.fetchrow(
        "SELECT employer_id, name, credit_code FROM employer_directory WHERE employer_id = $1", employer_id
    )
    return KnownEmployer(row["employer_id"], row["name"], row["credit_code"]) if row else None

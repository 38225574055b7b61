"""`case_offices`: every organisation of roster a case or a proxy service may be credited to (服务站,
驻外服务站/流动党支部, township and village offices…), kept from roster's organisation events by the
escalation-offices consumer; and the lookup of one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from kite_common.db.types import Connection


@dataclass(frozen=True)
class CaseOffice:
    office_id: uuid.UUID
    name: str
    kind: str
    division_code: str
    dissolved: bool


async def office(conn: Connection, office_id: uuid.UUID) -> CaseOffice | None:
    row = await conn.fetchrow(
        """SELECT office_id, office_name, organisation_kind, division_code, dissolved FROM case_offices
           WHERE office_id = $1""",
        office_id,
    )
    return None if row is None else CaseOffice(*row)


async def registered(
    conn: Connection, office_id: uuid.UUID, name: str, kind: str, division_code: str, version: int
) -> None:
    await conn.execute(
        """INSERT INTO case_offices (office_id, office_name, organisation_kind, division_code, roster_version)
           VALUES ($1, $2, $3, $4, $5) ON CONFLICT (office_id) DO NOTHING""",
        office_id,
        name,
        kind,
        division_code,
        version,
    )


async def renamed(conn: Connection, office_id: uuid.UUID, name: str, version: int) -> None:
    await conn.execute(
        """UPDATE case_offices SET office_name = $2, roster_version = $3
           WHERE office_id = $1 AND roster_version < $3""",
        office_id,
        name,
        version,
    )


async def dissolved(conn: Connection, office_id: uuid.UUID) -> None:
    """A dissolved office takes no new cases; its ledger stays readable."""
    await conn.execute("UPDATE case_offices SET dissolved = true WHERE office_id = $1", office_id)

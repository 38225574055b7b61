"""Reads of the household read models, always limited to the caller's jurisdiction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import NotFound
from kite_common.pagination import decode_keyset_cursor, encode_keyset_cursor

_SCOPE = "households"  # a cursor of another listing is refused

_COLUMNS = """h.household_id, h.division_code, h.head_name, h.address, h.poverty_registered, h.relocated,
              h.relocation_site, h.monitored, h.monitoring_category, h.registered_at, h.version"""


@dataclass(frozen=True)
class HouseholdDetail:
    household: asyncpg.Record
    members: list[asyncpg.Record]
    incomes: list[asyncpg.Record]


@dataclass(frozen=True)
class HouseholdFilter:
    division_prefix: str | None = None
    poverty_registered: bool | None = None
    relocated: bool | None = None
    relocation_site: str | None = None
    monitored: bool | None = None
    monitoring_category: str | None = None


def scoped_prefix(principal: Principal, prefix: str | None) -> str | None:
    """The narrower of the jurisdiction and a requested prefix; None when they do not overlap."""
    if not prefix:
        return principal.jurisdiction
    if prefix.startswith(principal.jurisdiction):
        return prefix
    if principal.jurisdiction.startswith(prefix):
        return principal.jurisdiction
    return None


async def get_household(conn: Connection, principal: Principal, household_id: uuid.UUID) -> HouseholdDetail:
    row = await conn.fetchrow(f"SELECT {_COLUMNS} FROM households h WHERE h.household_id = $1", household_id)
    if row is None or not principal.covers(row["division_code"]):  # outside: as if it did not exist
        raise NotFound("未找到该户", code="household-not-found")
    members = await conn.fetch(
        """SELECT hm.member_id, m.name FROM household_members hm JOIN members m USING (member_id)
           WHERE hm.household_id = $1 ORDER BY hm.joined_at, hm.member_id""",
        household_id,
    )
    incomes = await conn.fetch(
        """SELECT year, total_income, household_size, per_capita_income, reported_at
           FROM household_incomes WHERE household_id = $1 ORDER BY year DESC""",
        household_id,
    )
    return HouseholdDetail(row, list(members), list(incomes))


async def list_households(
    conn: Connection, principal: Principal, f: HouseholdFilter, limit: int, cursor: str | None
) -> tuple[list[asyncpg.Record], str | None]:
    """Pages run in (division_code, household_id) order, so a jurisdiction is one index range read in
    order; the cursor is the last row's (division_code, household_id)."""
    prefix = scoped_prefix(principal, f.division_prefix)
    if prefix is None:
        return [], None
    args: list[Any] = [prefix + "%"]
    where = ["h.division_code LIKE $1"]
    for column, value in (
        ("poverty_registered", f.poverty_registered),
        ("relocated", f.relocated),
        ("monitored", f.monitored),
    ):
        if value is not None:
            args.append(value)
            where.append(f"h.{column} = ${len(args)}")
    if f.relocation_site is not None:
        args.append(f.relocation_site)
        where.append(f"h.relocated AND h.relocation_site = ${len(args)}")
    if f.monitoring_category is not None:
        args.append(f.monitoring_category)
        where.append(f"h.monitored AND h.monitoring_category = ${len(args)}")
    if cursor:
        after_code, after_id = decode_keyset_cursor(cursor, _SCOPE)
        args += [str(after_code), after_id]
        where.append(f"(h.division_code, h.household_id) > (${len(args) - 1}, ${len(args)})")
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM households h WHERE {" AND ".join(where)}
            ORDER BY h.division_code, h.household_id LIMIT ${len(args)}""",
        *args,
    )
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_keyset_cursor(last["division_code"], last["household_id"], _SCOPE) if last else None
    return list(rows[:limit]), next_cursor

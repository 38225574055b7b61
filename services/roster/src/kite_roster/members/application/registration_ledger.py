"""The registration ledger (外出务工人员台账) as people read it: active members of an area per
destination city, industry, employer or origin, summed from the ledger's counters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden

from kite_roster.shared.divisions import county_name

LedgerBy = Literal["city", "industry", "employer", "origin"]
OriginLevel = Literal["county", "township", "village"]
_LEVEL_DIGITS: dict[OriginLevel, int] = {"county": 6, "township": 9, "village": 12}
NOT_KNOWN = "未填写"


@dataclass(frozen=True)
class LedgerRow:
    key: str
    label: str
    members: int


@dataclass(frozen=True)
class RegistrationLedger:
    by: LedgerBy
    area: str  # the division-code prefix counted ("" = the whole country)
    total: int
    rows: list[LedgerRow]
    truncated: bool


def ledger_area(principal: Principal, origin: str | None) -> str:
    """The narrower of the jurisdiction and the asked-for origin prefix; 403 when they do not meet."""
    area = principal.jurisdiction
    if origin:
        if origin.startswith(area):
            area = origin
        elif not area.startswith(origin):
            raise Forbidden("该地区不在您的管辖范围内", code="outside-jurisdiction")
    return area


def _label(by: LedgerBy, key: str) -> str:
    if by == "origin":
        name = county_name(key)
        return (name or key) if len(key) == 6 else key
    return key or NOT_KNOWN


async def registration_ledger(
    conn: Connection,
    principal: Principal,
    by: LedgerBy,
    origin: str | None = None,
    level: OriginLevel = "county",
    limit: int | None = None,
) -> RegistrationLedger:
    """Rows by count (largest first; by origin: in code order). `total` counts every active member of
    the area, also when `limit` leaves rows out."""
    area = ledger_area(principal, origin)
    # Every counted member has exactly one counter in each dimension (city for the origin breakdown),
    # so the groups sum to the total: one pass over the area's counters gives both (the window sum is
    # taken over every group before LIMIT keeps the first ones).
    if by == "origin":
        key, dimension, order = "left(origin_division_code, $3)", "city", "1"
        args: list[object] = [area + "%", dimension, max(_LEVEL_DIGITS[level], len(area))]
    else:
        key, dimension, order = "value", by, "2 DESC, 1"
        args = [area + "%", dimension]
    query = f"""SELECT key, members, sum(members) OVER ()::bigint AS total
                FROM (SELECT {key} AS key, sum(members)::bigint AS members FROM registration_ledger_live
                      WHERE dimension = $2 AND origin_division_code LIKE $1 GROUP BY 1) AS g
                ORDER BY {order}"""
    if limit is not None:
        args.append(limit + 1)
        query += f" LIMIT ${len(args)}"
    found = await conn.fetch(query, *args)
    total = found[0]["total"] if found else 0
    truncated = limit is not None and len(found) > limit
    rows = [LedgerRow(r["key"], _label(by, r["key"]), r["members"]) for r in found[:limit]]
    return RegistrationLedger(by, area, total, rows, truncated)

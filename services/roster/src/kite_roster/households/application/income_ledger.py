"""The income ledger (收入台账): households by per-capita income band and those below the monitoring
threshold, for a year and an area, read from the counters the household projection keeps."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden, Unavailable
from kite_common.pagination import decode_keyset_cursor, encode_keyset_cursor

from kite_roster.households.adapters.income_ledger import Band, IncomeBands

_SCOPE = "income-below-threshold"  # a cursor of another listing is refused


@dataclass
class Tally:
    households: int = 0
    persons: int = 0
    poverty_registered: int = 0  # households among them that are 建档立卡
    relocated: int = 0  # … 易地搬迁
    monitored: int = 0  # … 防返贫监测

    def add(self, row: asyncpg.Record | dict[str, Any]) -> None:
        households = int(row["households"])
        self.households += households
        self.persons += int(row["persons"])
        self.poverty_registered += households if row["poverty_registered"] else 0
        self.relocated += households if row["relocated"] else 0
        self.monitored += households if row["monitored"] else 0


@dataclass
class BandTally:
    band: Band
    tally: Tally = field(default_factory=Tally)


@dataclass
class IncomeLedger:
    year: int
    origin: str
    threshold: Decimal
    total: Tally
    bands: list[BandTally]
    below_threshold: Tally


def ledger_origin(principal: Principal, origin: str | None) -> str:
    """The area asked for, which must lie inside the caller's jurisdiction (default: all of it)."""
    if origin is None:
        return principal.jurisdiction
    if not principal.covers(origin):
        raise Forbidden("所查地区不在您的管辖范围内", code="outside-jurisdiction")
    return origin


class IncomeLedgerStale(Unavailable):
    """The counters were kept under other bands or another threshold than the settings say (503)."""

    code = "income-ledger-stale"
    title = "台账待重建"

    def __init__(self) -> None:
        super().__init__("收入分段或监测线配置已变更，收入台账需按新配置重建（kite rebuild roster）后才能查询")


async def income_ledger(
    conn: Connection, principal: Principal, bands: IncomeBands, year: int, origin: str | None
) -> IncomeLedger:
    area = ledger_origin(principal, origin)
    rows = await conn.fetch(
        """SELECT basis, band_floor, poverty_registered, relocated, monitored,
                  sum(households) AS households, sum(persons) AS persons
           FROM income_ledger_counts WHERE year = $1 AND division_code LIKE $2
           GROUP BY basis, band_floor, poverty_registered, relocated, monitored""",
        year,
        area + "%",
    )
    if any(r["basis"] != bands.basis for r in rows):
        raise IncomeLedgerStale()
    return tally(year, area, bands, rows)


def tally(year: int, area: str, bands: IncomeBands, rows: Iterable[asyncpg.Record | dict[str, Any]]) -> IncomeLedger:
    """Counter rows (cut at every band edge and at the threshold) summed into the shown bands."""
    ledger = IncomeLedger(year, area, bands.threshold, Tally(), [BandTally(b) for b in bands.bands], Tally())
    for row in rows:
        floor = Decimal(row["band_floor"])
        ledger.total.add(row)
        next(b for b in ledger.bands if b.band.holds(floor)).tally.add(row)
        if floor < bands.threshold:
            ledger.below_threshold.add(row)
    return ledger


async def below_threshold(
    conn: Connection,
    principal: Principal,
    bands: IncomeBands,
    year: int,
    origin: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    """Households whose per-capita income of `year` is below the threshold, by (village, id)."""
    area = ledger_origin(principal, origin)
    args: list[Any] = [year, area + "%", bands.threshold]
    where = ["i.year = $1", "i.division_code LIKE $2", "i.per_capita_income < $3"]
    if cursor:
        after_code, after_id = decode_keyset_cursor(cursor, _SCOPE)
        args += [str(after_code), after_id]
        where.append(f"(i.division_code, i.household_id) > (${len(args) - 1}, ${len(args)})")
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT i.household_id, i.division_code, h.head_name, h.poverty_registered, h.relocated, h.relocation_site,
                   h.monitored, h.monitoring_category, i.year, i.total_income, i.household_size, i.per_capita_income
            FROM household_incomes i JOIN households h USING (household_id)
            WHERE {" AND ".join(where)}
            ORDER BY i.division_code, i.household_id LIMIT ${len(args)}""",
        *args,
    )
    last = rows[limit - 1] if len(rows) > limit else None
    next_cursor = encode_keyset_cursor(last["division_code"], last["household_id"], _SCOPE) if last else None
    return list(rows[:limit]), next_cursor

"""The monitoring ledger (防返贫监测台账) per village, township, county or city for a month or a year:
newly identified (with re-flags), cleared, unresolved and its rate, paired and unpaired, cadres and their
load, measures by kind and money. Read from the counters (O(places × months)), and recounted from the
event store alone to prove the counters right."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden

from kite_roster.households.application.household_queries import scoped_prefix
from kite_roster.monitoring.domain.ledger import (
    CADRES,
    CLEARED,
    IDENTIFIED,
    LEDGER_EVENTS,
    MEASURE,
    PAIRED,
    REFLAGGED,
    UNRESOLVED,
    UNRESOLVED_PAIRED,
    LedgerState,
    cadre_delta,
    moved,
    rate,
)
from kite_roster.monitoring.domain.monitoring_events import CadreRegistered, MeasureKind
from kite_roster.shared.event_registry import registry

Level = Literal["village", "township", "county", "city"]
LEVEL_DIGITS: dict[str, int] = {"village": 12, "township": 9, "county": 6, "city": 4}
MEASURE_KINDS: tuple[MeasureKind, ...] = (
    "industry",
    "employment",
    "education",
    "medical",
    "housing",
    "social-security",
    "consumption",
)


@dataclass(frozen=True)
class Period:
    start: date  # first month counted as flow
    end: date  # last month (its first day)

    @classmethod
    def of(cls, year: int, month: int | None) -> Period:
        if month is None:
            return cls(date(year, 1, 1), date(year, 12, 1))
        return cls(date(year, month, 1), date(year, month, 1))


@dataclass
class Sums:
    """One place × metric: the flow within the period, the stock at its start and its end."""

    flow_households: int = 0
    flow_persons: int = 0
    flow_fen: int = 0
    start_households: int = 0
    start_persons: int = 0
    end_households: int = 0
    end_persons: int = 0


SumsByGroup = dict[str, dict[str, Sums]]


def ledger_area(principal: Principal, origin: str | None) -> str:
    area = scoped_prefix(principal, origin)
    if area is None:
        raise Forbidden("不能查看管辖范围以外地区的监测台账", code="outside-jurisdiction")
    return area


async def counted_sums(conn: Connection, area: str, digits: int, period: Period) -> SumsByGroup:
    rows = await conn.fetch(
        """SELECT left(division_code, $2) AS g, metric,
                  coalesce(sum(households) FILTER (WHERE month >= $3), 0)::bigint AS fh,
                  coalesce(sum(persons) FILTER (WHERE month >= $3), 0)::bigint AS fp,
                  coalesce(sum(amount_fen) FILTER (WHERE month >= $3), 0)::bigint AS ff,
                  coalesce(sum(households) FILTER (WHERE month < $3), 0)::bigint AS sh,
                  coalesce(sum(persons) FILTER (WHERE month < $3), 0)::bigint AS sp,
                  sum(households)::bigint AS eh, sum(persons)::bigint AS ep
           FROM monitoring_ledger_counts
           WHERE division_code LIKE $1 AND month <= $4
           GROUP BY 1, 2""",
        area + "%",
        digits,
        period.start,
        period.end,
    )
    sums: SumsByGroup = defaultdict(dict)
    for r in rows:
        sums[r["g"]][r["metric"]] = Sums(r["fh"], r["fp"], r["ff"], r["sh"], r["sp"], r["eh"], r["ep"])
    return sums


async def recounted_sums(conn: Connection, area: str, digits: int, period: Period) -> SumsByGroup:
    """The same sums from the event store alone, folding every monitoring event in order."""
    states: dict[uuid.UUID, LedgerState] = defaultdict(LedgerState)
    sums: SumsByGroup = defaultdict(dict)
    async for event_type, data, occurred_at in _committed_events(conn):
        if not registry.knows(event_type):
            continue
        payload = registry.parse(event_type, data)
        if not isinstance(payload, LEDGER_EVENTS):
            continue
        if isinstance(payload, CadreRegistered):
            deltas = [cadre_delta(payload, occurred_at.date())]
        else:
            key: uuid.UUID = payload.household_id
            states[key], deltas = moved(payload, states[key])
        for d in deltas:
            if not d.division_code.startswith(area) or d.month > period.end:
                continue
            s = sums[d.division_code[:digits]].setdefault(d.metric, Sums())
            s.end_households += d.households
            s.end_persons += d.persons
            if d.month >= period.start:
                s.flow_households += d.households
                s.flow_persons += d.persons
                s.flow_fen += d.amount_fen
            else:
                s.start_households += d.households
                s.start_persons += d.persons
    return sums


async def _committed_events(conn: Connection, batch: int = 2000) -> AsyncIterator[tuple[str, Any, datetime]]:
    """Every committed event of the store in the event store's global order. Unlike the store's
    gap-safe `iterate_all` (which stops below the oldest transaction open anywhere on the server, for
    readers that follow the log live), a recount wants everything committed now."""
    after_tx, after_position = -1, -1
    while True:
        rows = await conn.fetch(
            """SELECT tx_id::text::bigint AS tx, position, type, data, occurred_at FROM events
               WHERE (tx_id::text::bigint, position) > ($1, $2)
               ORDER BY tx_id, position LIMIT $3""",
            after_tx,
            after_position,
            batch,
        )
        for r in rows:
            yield r["type"], r["data"], r["occurred_at"]
        if len(rows) < batch:
            return
        after_tx, after_position = rows[-1]["tx"], rows[-1]["position"]


def ledger_rows(sums: SumsByGroup) -> list[dict[str, Any]]:
    """One row per place, in code order, then the total (place "合计")."""
    total: dict[str, Sums] = defaultdict(Sums)
    for metrics in sums.values():
        for metric, s in metrics.items():
            t = total[metric]
            for f in Sums.__dataclass_fields__:
                setattr(t, f, getattr(t, f) + getattr(s, f))
    rows = [_row(g, sums[g]) for g in sorted(sums)]
    rows.append(_row("合计", total))
    return rows


def _row(place: str, m: dict[str, Sums]) -> dict[str, Any]:
    def get(metric: str) -> Sums:
        return m.get(metric) or Sums()

    identified, reflagged, cleared = get(IDENTIFIED), get(REFLAGGED), get(CLEARED)
    unresolved, paired, unresolved_paired, cadres = get(UNRESOLVED), get(PAIRED), get(UNRESOLVED_PAIRED), get(CADRES)
    row: dict[str, Any] = {
        "place": place,
        "identified_households": identified.flow_households + reflagged.flow_households,
        "identified_persons": identified.flow_persons + reflagged.flow_persons,
        "reflagged_households": reflagged.flow_households,
        "cleared_households": cleared.flow_households,
        "cleared_persons": cleared.flow_persons,
        "unresolved_households_at_start": unresolved.start_households,
        "unresolved_persons_at_start": unresolved.start_persons,
        "unresolved_rate_at_start": rate(unresolved.start_households, identified.start_households),
        "unresolved_households": unresolved.end_households,
        "unresolved_persons": unresolved.end_persons,
        "ever_identified_households": identified.end_households,
        "unresolved_rate": rate(unresolved.end_households, identified.end_households),
        "paired_households": paired.end_households,
        "unpaired_unresolved_households": unresolved.end_households - unresolved_paired.end_households,
        "cadres": cadres.end_households,
        "load": round(paired.end_households / cadres.end_households, 2) if cadres.end_households else None,
        "measures": sum(get(MEASURE + k).flow_households for k in MEASURE_KINDS),
        "measures_fen": sum(get(MEASURE + k).flow_fen for k in MEASURE_KINDS),
    }
    for k in MEASURE_KINDS:
        name = k.replace("-", "_")
        row[f"measures_{name}"] = get(MEASURE + k).flow_households
        row[f"measures_{name}_fen"] = get(MEASURE + k).flow_fen
    return row

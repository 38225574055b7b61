"""The service ledger (服务台账): per month and place (province, city, county, township or village),
read from `service_ledger_counts` (kept by the projection, migration 0020) — cases by category, channel
and status; on-time rate per SLA tier; time to accept and to resolve (median and p90, percentile_cont
over the duration histograms); satisfaction rate; escalations; money; certificates. A read sums
pre-aggregated rows, a few per place and month, never the cases."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date
from typing import Any, Literal

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden, NotFound, RuleViolation

from kite_casework.adapters.case_offices import CaseOffice
from kite_casework.adapters.case_offices import office as find_office
from kite_casework.ledger.domain.counts import LEVELS, OFFICE, percentile

LedgerLevel = Literal["province", "city", "county", "township", "village"]
LEVEL_DIGITS: dict[LedgerLevel, int] = {"province": 2, "city": 4, "county": 6, "township": 9, "village": 12}
STATUSES = ("open", "accepted", "in_progress", "resolved", "reopened", "closed")
MONEY = ("claimed_fen", "recovered_fen", "relief_paid_fen", "funds_raised_fen")


@dataclass(frozen=True)
class LedgerRow:
    month: date
    division_code: str
    cases: int
    by_status: dict[str, int]
    by_category: dict[str, int]
    by_channel: dict[str, int]
    on_time_rate_by_tier: dict[str, float]  # resolved on time ÷ resolved, per tier resolved at least once
    accept_median_s: float | None
    accept_p90_s: float | None
    resolve_median_s: float | None
    resolve_p90_s: float | None
    satisfaction_rate: float | None  # 满意 + 基本满意 ÷ cases whose member gave a satisfaction
    escalations: int
    money_fen: dict[str, int]  # claimed, recovered, relief paid, funds raised: sums over the cases
    certificates_issued: int  # in the month, of members of the place (revoked ones included)
    certificates_revoked: int


# The rows of the places at a level under an area: a case counts once in each distinct place of its
# home and work place (the projection counted it so), and the area's total is the row of the area
# itself, where a case with both places in it counts once.
_COUNTS = """
    SELECT place, month, metric, sum(n)::bigint AS n FROM service_ledger_counts
    WHERE level = $1 AND place LIKE $2 AND month BETWEEN $3 AND $4 AND n <> 0
    GROUP BY place, month, metric"""
# One page of places (in code order, after the cursor) and their counts: a province read by village
# answers tens of thousands of places, so a page is `limit` places and one more to tell if there is a
# next page. The primary key's (level, place) order finds the page's last place, then one range scan
# of the same index reads the page's rows (a join to the page's places would scan the whole level).
_PAGE = """
    WITH page AS (
        SELECT DISTINCT place FROM service_ledger_counts
        WHERE level = $1 AND place LIKE $2 AND place > $5 AND month BETWEEN $3 AND $4 AND n <> 0
        ORDER BY place LIMIT $6 + 1)
    SELECT place, month, metric, n FROM service_ledger_counts
    WHERE level = $1 AND place LIKE $2 AND place > $5 AND place <= (SELECT max(place) FROM page)
      AND month BETWEEN $3 AND $4 AND n <> 0"""
PAGE_LIMIT = 500  # places per page unless the caller asks for fewer or more
MAX_PAGE_LIMIT = 2000


@dataclass(frozen=True)
class LedgerPage:
    rows: list[LedgerRow]  # the page's places, every month of each
    totals: list[LedgerRow]  # the area's total per month (the same on every page)
    next_cursor: str | None  # the last place of this page when more places follow


def _area(principal: Principal, area: str | None) -> str:
    prefix = principal.jurisdiction if area is None else area
    if not principal.covers(prefix):
        raise Forbidden("无权查看管辖范围以外地区的台账", code="outside-jurisdiction")
    if len(prefix) not in LEVELS:
        raise RuleViolation(
            "统计范围须为完整的省（2 位）、市（4 位）、县（6 位）、乡镇（9 位）或村（12 位）代码",
            code="area-not-a-place",
            field="area",
        )
    return prefix


# The status counts of one place, month by month: each month's few status rows are found in the primary
# key (level, place, month, metric) rather than read among all the month's metrics (a province's month
# holds thousands of duration buckets).
_STATUSES = """
    SELECT c.metric, sum(c.n)::bigint AS n
    FROM generate_series(
        (SELECT min(month) FROM service_ledger_counts WHERE level = $1 AND place = $2),
        (SELECT max(month) FROM service_ledger_counts WHERE level = $1 AND place = $2),
        interval '1 month') AS m(month)
    JOIN service_ledger_counts c
        ON c.level = $1 AND c.place = $2 AND c.month = m.month::date AND c.metric = ANY($3::text[])
    GROUP BY c.metric"""


async def service_ledger(
    conn: Connection,
    principal: Principal,
    level: LedgerLevel,
    area: str | None,
    first: date,
    last: date,
    *,
    cursor: str = "",
    limit: int = PAGE_LIMIT,
) -> LedgerPage:
    """A page of rows for the months `first`..`last` (first days of months) of the places at `level`
    under `area` (a division-code prefix inside the caller's jurisdiction; default: the jurisdiction
    itself) whose codes follow `cursor`, at most `limit` places; and the area's total per month,
    which counts a case with both places in the area once."""
    prefix = _area(principal, area)
    # A prefix longer than the level's codes matches none: a township sees no county ledger.
    records = await conn.fetch(_PAGE, LEVEL_DIGITS[level], prefix + "%", first, last, cursor, limit)
    places = sorted({r["place"] for r in records})
    more = len(places) > limit
    if more:
        records = [r for r in records if r["place"] != places[-1]]
    totals = await conn.fetch(_COUNTS, len(prefix), prefix, first, last)
    return LedgerPage(_rows(records), _rows(totals), places[limit - 1] if more else None)


async def cases_by_status(conn: Connection, principal: Principal, area: str | None) -> tuple[str, dict[str, int]]:
    """The cases of an area (default: the jurisdiction) by their status now, whatever month they were
    opened in: the area's own place's status counts summed over its months (a case with both places
    in the area counts once, as in the area's total), never the cases themselves. Answers the area."""
    prefix = _area(principal, area)
    records = await conn.fetch(_STATUSES, len(prefix), prefix, [f"status:{s}" for s in STATUSES])
    counts = {r["metric"].removeprefix("status:"): r["n"] for r in records}
    return prefix, {s: counts.get(s, 0) for s in STATUSES}


async def office_in_jurisdiction(conn: Connection, principal: Principal, office_id: uuid.UUID) -> CaseOffice:
    """A named office the caller may read the ledger of (one outside the jurisdiction is not found)."""
    found = await find_office(conn, office_id)
    if found is None or not principal.covers(found.division_code):
        raise NotFound("未找到该服务站或办事处", code="office-not-found")
    return found


async def office_ledger(
    conn: Connection, principal: Principal, office_id: uuid.UUID, first: date, last: date
) -> tuple[CaseOffice, list[LedgerRow]]:
    """The service ledger of one named office (服务站, 驻外服务站…) per month: the cases it took, counted
    as a place's are; each row names the office's place."""
    office = await office_in_jurisdiction(conn, principal, office_id)
    rows = _rows(await conn.fetch(_COUNTS, OFFICE, str(office_id), first, last))
    return office, [replace(r, division_code=office.division_code) for r in rows]


def _rows(records: list[Any]) -> list[LedgerRow]:
    groups: dict[tuple[date, str], dict[str, int]] = defaultdict(dict)
    for r in records:
        groups[(r["month"], r["place"])][r["metric"]] = r["n"]
    return [ledger_row(month, place, metrics) for (month, place), metrics in sorted(groups.items())]


def _parts(metrics: dict[str, int]) -> dict[str, dict[str, int]]:
    """The `kind:name` metrics by kind, in one pass (a row has a few dozen)."""
    parts: dict[str, dict[str, int]] = defaultdict(dict)
    for metric, n in metrics.items():
        kind, colon, name = metric.partition(":")
        if colon:
            parts[kind][name] = n
    return parts


def ledger_row(month: date, place: str, metrics: dict[str, int]) -> LedgerRow:
    """A ledger row from its place's counts for the month."""
    parts = _parts(metrics)
    resolved, on_time, status = parts["resolved"], parts["on_time"], parts["status"]
    accepts = {int(b): n for b, n in parts["accept"].items()}
    resolves = {int(b): n for b, n in parts["resolve"].items()}
    rated = metrics.get("rated", 0)
    money = parts["money"]
    return LedgerRow(
        month=month,
        division_code=place,
        cases=metrics.get("cases", 0),
        by_status={s: status.get(s, 0) for s in STATUSES},
        by_category=parts["category"],
        by_channel=parts["channel"],
        on_time_rate_by_tier={tier: on_time.get(tier, 0) / n for tier, n in resolved.items()},
        accept_median_s=percentile(accepts, 0.5),
        accept_p90_s=percentile(accepts, 0.9),
        resolve_median_s=percentile(resolves, 0.5),
        resolve_p90_s=percentile(resolves, 0.9),
        satisfaction_rate=metrics.get("satisfied", 0) / rated if rated else None,
        escalations=metrics.get("escalations", 0),
        money_fen={m.removesuffix("_fen"): money.get(m.removesuffix("_fen"), 0) for m in MONEY},
        certificates_issued=metrics.get("certificates_issued", 0),
        certificates_revoked=metrics.get("certificates_revoked", 0),
    )

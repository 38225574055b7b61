"""The service ledger (服务台账): per month and place (province, city, county or township), from
`service_ledger_cases` and `service_ledger_certificates` — cases by
category, channel and status; on-time rate per SLA tier; time to accept and to resolve (median and
p90, percentile_cont over the stored durations); satisfaction rate; escalations. Grouped in SQL: a
read returns one row per group, never the cases."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden

LedgerLevel = Literal["province", "city", "county", "township"]
LEVEL_DIGITS: dict[LedgerLevel, int] = {"province": 2, "city": 4, "county": 6, "township": 9}
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


# A case counts in the row of each distinct place it has at the level (its home place, and its work
# place: the out-station branch that sees it and may own it); the second branch leaves out a work
# place that is the home place at this level, so no row counts a case twice.
# Only the columns the figures need: the rows are gathered once and read by several groupings.
_FACTS = (
    "l.month, l.status, l.category, l.channel, l.sla_tier, l.accept_seconds, l.resolve_seconds,"
    " l.resolved_on_time, l.satisfaction, l.escalations, l.claimed_fen, l.recovered_fen, l.relief_paid_fen,"
    " l.funds_raised_fen"
)
_PER_PLACE = f"""
    SELECT {_FACTS}, left(l.origin_code, $4) AS code FROM service_ledger_cases l
    WHERE l.origin_code LIKE $1 AND l.month BETWEEN $2 AND $3
    UNION ALL
    SELECT {_FACTS}, left(l.work_code, $4) AS code FROM service_ledger_cases l
    WHERE l.work_code LIKE $1 AND l.month BETWEEN $2 AND $3 AND left(l.work_code, $4) <> left(l.origin_code, $4)"""
# The area's total: each case once, whichever of its places lie in the area.
_AREA_TOTAL = f"""
    SELECT {_FACTS}, $4::text AS code FROM service_ledger_cases l
    WHERE (l.origin_code LIKE $1 OR l.work_code LIKE $1) AND l.month BETWEEN $2 AND $3"""
_CERTIFICATES_PER_PLACE = """
    SELECT month, left(origin_code, $4) AS code, revoked FROM service_ledger_certificates
    WHERE origin_code LIKE $1 AND month BETWEEN $2 AND $3"""
_CERTIFICATES_TOTAL = """
    SELECT month, $4::text AS code, revoked FROM service_ledger_certificates
    WHERE origin_code LIKE $1 AND month BETWEEN $2 AND $3"""


_TOTAL_COLUMNS = (
    "cases",
    *(f"status_{s}" for s in STATUSES),
    *MONEY,
    "accept_median_s",
    "accept_p90_s",
    "resolve_median_s",
    "resolve_p90_s",
    "satisfaction_rate",
    "escalations",
)


def _sql(cases: str, certificates: str) -> str:
    statuses = ", ".join(f"count(*) FILTER (WHERE status = '{s}') AS status_{s}" for s in STATUSES)
    money = ", ".join(f"sum({m})::bigint AS {m}" for m in MONEY)
    return f"""
    WITH base AS (SELECT * FROM ({cases}) b WHERE code LIKE $1
    ), certs AS (
        SELECT month, code, count(*) AS certificates_issued,
               count(*) FILTER (WHERE revoked) AS certificates_revoked
        FROM ({certificates}) c WHERE code LIKE $1 GROUP BY month, code
    ), totals AS (
        SELECT month, code, count(*) AS cases, {statuses}, {money},
               percentile_cont(0.5) WITHIN GROUP (ORDER BY accept_seconds) AS accept_median_s,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY accept_seconds) AS accept_p90_s,
               percentile_cont(0.5) WITHIN GROUP (ORDER BY resolve_seconds) AS resolve_median_s,
               percentile_cont(0.9) WITHIN GROUP (ORDER BY resolve_seconds) AS resolve_p90_s,
               avg(CASE WHEN satisfaction IN ('satisfied', 'neutral') THEN 1.0 ELSE 0.0 END)
                   FILTER (WHERE satisfaction IS NOT NULL) AS satisfaction_rate,
               sum(escalations) AS escalations
        FROM base GROUP BY month, code
    ), categories AS (
        SELECT month, code, jsonb_object_agg(category, n) AS by_category
        FROM (SELECT month, code, category, count(*) AS n FROM base GROUP BY 1, 2, 3) c GROUP BY 1, 2
    ), channels AS (
        SELECT month, code, jsonb_object_agg(channel, n) AS by_channel
        FROM (SELECT month, code, channel, count(*) AS n FROM base GROUP BY 1, 2, 3) c GROUP BY 1, 2
    ), tiers AS (
        SELECT month, code, jsonb_object_agg(sla_tier, rate) AS on_time_by_tier
        FROM (SELECT month, code, sla_tier, avg(CASE WHEN resolved_on_time THEN 1.0 ELSE 0.0 END)::float AS rate
              FROM base WHERE resolved_on_time IS NOT NULL GROUP BY 1, 2, 3) t GROUP BY 1, 2
    )
    SELECT month, code, {", ".join(f"t.{c}" for c in _TOTAL_COLUMNS)},
           c.by_category, ch.by_channel, ti.on_time_by_tier, ce.certificates_issued, ce.certificates_revoked
    FROM totals t
    JOIN categories c USING (month, code)
    JOIN channels ch USING (month, code)
    LEFT JOIN tiers ti USING (month, code)
    FULL JOIN certs ce USING (month, code)
    ORDER BY month, code"""


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(json.loads(value) if isinstance(value, str) else value)


async def service_ledger(
    conn: Connection, principal: Principal, level: LedgerLevel, area: str | None, first: date, last: date
) -> tuple[list[LedgerRow], list[LedgerRow]]:
    """Rows for the months `first`..`last` (first days of months) of the places at `level` under
    `area` (a division-code prefix inside the caller's jurisdiction; default: the jurisdiction
    itself), and the area's total per month, which counts a case with both places in the area once."""
    prefix = principal.jurisdiction if area is None else area
    if not principal.covers(prefix):
        raise Forbidden("无权查看管辖范围以外地区的台账", code="outside-jurisdiction")
    digits = LEVEL_DIGITS[level]
    # A prefix longer than the level's codes matches none: a township sees no county ledger.
    places = await conn.fetch(_sql(_PER_PLACE, _CERTIFICATES_PER_PLACE), prefix + "%", first, last, digits)
    totals = await conn.fetch(_sql(_AREA_TOTAL, _CERTIFICATES_TOTAL), prefix + "%", first, last, prefix)
    return [_row(r) for r in places], [_row(r) for r in totals]


def _row(r: Any) -> LedgerRow:
    return LedgerRow(
        month=r["month"],
        division_code=r["code"],
        cases=r["cases"] or 0,
        by_status={s: r[f"status_{s}"] or 0 for s in STATUSES},
        by_category=_json(r["by_category"]),
        by_channel=_json(r["by_channel"]),
        on_time_rate_by_tier=_json(r["on_time_by_tier"]),
        accept_median_s=r["accept_median_s"],
        accept_p90_s=r["accept_p90_s"],
        resolve_median_s=r["resolve_median_s"],
        resolve_p90_s=r["resolve_p90_s"],
        satisfaction_rate=float(r["satisfaction_rate"]) if r["satisfaction_rate"] is not None else None,
        escalations=r["escalations"] or 0,
        money_fen={m.removesuffix("_fen"): r[m] or 0 for m in MONEY},
        certificates_issued=r["certificates_issued"] or 0,
        certificates_revoked=r["certificates_revoked"] or 0,
    )

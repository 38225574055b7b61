"""The service ledger (服务台账): per month and county (or city), from `service_ledger_cases` — cases by
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

LedgerLevel = Literal["county", "city"]
_COLUMN: dict[LedgerLevel, str] = {"county": "county_code", "city": "city_code"}
STATUSES = ("open", "accepted", "in_progress", "resolved", "reopened", "closed")


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


def _sql(column: str) -> str:
    statuses = ", ".join(f"count(*) FILTER (WHERE status = '{s}') AS status_{s}" for s in STATUSES)
    return f"""
    WITH base AS (
        SELECT *, {column} AS code FROM service_ledger_cases
        WHERE {column} LIKE $1 AND month BETWEEN $2 AND $3
    ), totals AS (
        SELECT month, code, count(*) AS cases, {statuses},
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
    SELECT t.*, c.by_category, ch.by_channel, ti.on_time_by_tier
    FROM totals t
    JOIN categories c USING (month, code)
    JOIN channels ch USING (month, code)
    LEFT JOIN tiers ti USING (month, code)
    ORDER BY t.month, t.code"""


def _json(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return dict(json.loads(value) if isinstance(value, str) else value)


async def service_ledger(
    conn: Connection, principal: Principal, level: LedgerLevel, area: str | None, first: date, last: date
) -> list[LedgerRow]:
    """Rows for the months `first`..`last` (first days of months) of the areas under `area` (a
    division-code prefix inside the caller's jurisdiction; default: the jurisdiction itself)."""
    prefix = principal.jurisdiction if area is None else area
    if not principal.covers(prefix):
        raise Forbidden("无权查看管辖范围以外地区的台账", code="outside-jurisdiction")
    # A prefix longer than the level's codes matches none: a township sees no county ledger.
    rows = await conn.fetch(_sql(_COLUMN[level]), prefix + "%", first, last)
    return [
        LedgerRow(
            month=r["month"],
            division_code=r["code"],
            cases=r["cases"],
            by_status={s: r[f"status_{s}"] for s in STATUSES},
            by_category=_json(r["by_category"]),
            by_channel=_json(r["by_channel"]),
            on_time_rate_by_tier=_json(r["on_time_by_tier"]),
            accept_median_s=r["accept_median_s"],
            accept_p90_s=r["accept_p90_s"],
            resolve_median_s=r["resolve_median_s"],
            resolve_p90_s=r["resolve_p90_s"],
            satisfaction_rate=float(r["satisfaction_rate"]) if r["satisfaction_rate"] is not None else None,
            escalations=r["escalations"],
        )
        for r in rows
    ]

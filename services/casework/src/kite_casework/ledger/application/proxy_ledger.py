"""The proxy-service ledger (代办台账): per month done and the area of the office that did it, from
`service_ledger_proxy` — matters handled on members' behalf, by matter, and the cases and members they
served; with the area's total per month. Grouped in SQL: one row per group, never the services."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden

from kite_casework.adapters.case_offices import CaseOffice
from kite_casework.ledger.application.service_ledger import LEVEL_DIGITS, LedgerLevel, office_in_jurisdiction


@dataclass(frozen=True)
class ProxyLedgerRow:
    month: date
    division_code: str
    services: int
    by_matter: dict[str, int]
    cases: int  # distinct cases served


def _sql(code: str, where: str = "office_code LIKE $1", outer: str = "code LIKE $1") -> str:
    return f"""
    WITH base AS (
        SELECT month, {code} AS code, matter, case_id FROM service_ledger_proxy
        WHERE {where} AND month BETWEEN $2 AND $3
    ), matters AS (
        SELECT month, code, jsonb_object_agg(matter, n) AS by_matter
        FROM (SELECT month, code, matter, count(*) AS n FROM base GROUP BY 1, 2, 3) m GROUP BY 1, 2
    )
    SELECT month, code, count(*) AS services, count(DISTINCT case_id) AS cases, m.by_matter
    FROM base JOIN matters m USING (month, code)
    WHERE {outer}
    GROUP BY month, code, m.by_matter ORDER BY month, code"""


async def proxy_ledger(
    conn: Connection, principal: Principal, level: LedgerLevel, area: str | None, first: date, last: date
) -> tuple[list[ProxyLedgerRow], list[ProxyLedgerRow]]:
    """Rows per month and office area at `level` under `area` (default: the caller's jurisdiction),
    and the area's totals per month."""
    prefix = principal.jurisdiction if area is None else area
    if not principal.covers(prefix):
        raise Forbidden("无权查看管辖范围以外地区的台账", code="outside-jurisdiction")
    digits = LEVEL_DIGITS[level]
    rows = await conn.fetch(_sql(f"left(office_code, {digits})"), prefix + "%", first, last)
    totals = await conn.fetch(_sql("$4::text"), prefix + "%", first, last, prefix)
    return [_row(r) for r in rows], [_row(r) for r in totals]


async def office_proxy_ledger(
    conn: Connection, principal: Principal, office_id: uuid.UUID, first: date, last: date
) -> tuple[CaseOffice, list[ProxyLedgerRow]]:
    """The proxy-service ledger of one named office per month; each row names the office's place."""
    office = await office_in_jurisdiction(conn, principal, office_id)
    rows = await conn.fetch(_sql("$4::text", "office_id = $1", "true"), office_id, first, last, office.division_code)
    return office, [_row(r) for r in rows]


def _row(r: Any) -> ProxyLedgerRow:
    matters = r["by_matter"]
    return ProxyLedgerRow(
        month=r["month"],
        division_code=r["code"],
        services=r["services"],
        by_matter=dict(json.loads(matters) if isinstance(matters, str) else matters),
        cases=r["cases"],
    )

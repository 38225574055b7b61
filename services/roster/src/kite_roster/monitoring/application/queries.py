"""Reads of the monitoring read models, always limited to the caller's jurisdiction: alerts, a household's
monitoring record, cadres, the pairing proposal."""

from __future__ import annotations

import uuid
from typing import Any

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden
from kite_common.pagination import decode_keyset_cursor, encode_keyset_cursor

from kite_roster.households.domain.household import HouseholdNotRegistered
from kite_roster.monitoring.adapters.pairing_proposal import Proposal, propose
from kite_roster.monitoring.adapters.policy import all_rules
from kite_roster.monitoring.domain.rules import CadreNotFound

_ALERT_SCOPE = "monitoring-alerts"


async def list_alerts(
    conn: Connection, principal: Principal, status: str, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    after_code, after_id = ("", uuid.UUID(int=0))
    if cursor:
        code, after_id = decode_keyset_cursor(cursor, _ALERT_SCOPE)
        after_code = str(code)
    rows = await conn.fetch(
        """SELECT alert_id, household_id, division_code, signal, year, note, status, reason, raised_at, closed_at
           FROM monitoring_alerts
           WHERE status = $1 AND division_code LIKE $2 AND (division_code, alert_id) > ($3, $4)
           ORDER BY division_code, alert_id LIMIT $5""",
        status,
        principal.jurisdiction_like,
        after_code,
        after_id,
        limit + 1,
    )
    items = [dict(r) for r in rows[:limit]]
    next_cursor = (
        encode_keyset_cursor(items[-1]["division_code"], items[-1]["alert_id"], _ALERT_SCOPE)
        if len(rows) > limit
        else None
    )
    return items, next_cursor


async def household_monitoring(conn: Connection, principal: Principal, household_id: uuid.UUID) -> dict[str, Any]:
    head = await conn.fetchrow("SELECT division_code FROM households WHERE household_id = $1", household_id)
    if head is None or not principal.covers(head["division_code"]):
        raise HouseholdNotRegistered()
    state = await conn.fetchrow(
        """SELECT monitored, ever_flagged, category, flag_persons, flagged_on, cleared_on, version
           FROM monitoring_households WHERE household_id = $1""",
        household_id,
    )
    alerts = await conn.fetch(
        """SELECT alert_id, household_id, division_code, signal, year, note, status, reason, raised_at, closed_at
           FROM monitoring_alerts WHERE household_id = $1 ORDER BY raised_at, alert_id""",
        household_id,
    )
    visits = await conn.fetch(
        """SELECT visit_id, visited_on, note, visited_by FROM monitoring_visits
           WHERE household_id = $1 ORDER BY visited_on, visit_id""",
        household_id,
    )
    measures = await conn.fetch(
        """SELECT measure_id, kind, giver, amount_fen, started_on, ended_on FROM assistance_measures
           WHERE household_id = $1 ORDER BY started_on, measure_id""",
        household_id,
    )
    pairings = await conn.fetch(
        """SELECT cadre_id, per_capita_fen, rule, paired_on, ended_on, end_reason FROM pairings
           WHERE household_id = $1 ORDER BY paired_on, paired_seq""",
        household_id,
    )
    return {
        "household_id": household_id,
        "division_code": head["division_code"],
        "monitored": bool(state and state["monitored"]),
        "ever_flagged": bool(state and state["ever_flagged"]),
        "category": state["category"] if state else None,
        "flagged_on": state["flagged_on"] if state else None,
        "cleared_on": state["cleared_on"] if state else None,
        "version": state["version"] if state else 0,
        "alerts": [dict(a) for a in alerts],
        "visits": [dict(v) for v in visits],
        "measures": [dict(m) for m in measures],
        "pairings": [dict(p) for p in pairings],
    }


async def get_cadre(conn: Connection, principal: Principal, cadre_id: uuid.UUID) -> dict[str, Any]:
    row = await conn.fetchrow(
        "SELECT cadre_id, name, rank, organisation, organisation_code, load, version FROM cadres WHERE cadre_id = $1",
        cadre_id,
    )
    if row is None or not (
        principal.covers(row["organisation_code"]) or principal.jurisdiction.startswith(row["organisation_code"])
    ):
        raise CadreNotFound()
    households = await conn.fetch(
        """SELECT household_id, division_code, per_capita_fen, rule, paired_on FROM pairings
           WHERE cadre_id = $1 AND ended_on IS NULL ORDER BY paired_on, household_id""",
        cadre_id,
    )
    return {**dict(row), "households": [dict(h) for h in households]}


async def pairing_proposal(conn: Connection, principal: Principal, county: str, year: int) -> list[Proposal]:
    if not principal.covers(county):
        raise Forbidden("只能为本人管辖范围内的县生成结对建议", code="outside-jurisdiction")
    async with conn.transaction():
        return await propose(conn, county, year, await all_rules(conn))

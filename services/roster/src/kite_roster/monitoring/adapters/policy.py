"""The policy data the monitoring decides with: monitoring lines and pairing rules, read from their tables."""

from __future__ import annotations

from collections.abc import Iterable

from kite_common.db.types import Connection

from kite_roster.monitoring.domain.rules import MonitoringLine, PairingRule


async def lines_of(conn: Connection, province_code: str, years: Iterable[int]) -> dict[int, MonitoringLine]:
    rows = await conn.fetch(
        """SELECT year, province_code, line_fen, drop_percent, clear_years FROM monitoring_lines
           WHERE province_code = $1 AND year = ANY($2::int[])""",
        province_code,
        list(years),
    )
    return {
        r["year"]: MonitoringLine(r["year"], r["province_code"], r["line_fen"], r["drop_percent"], r["clear_years"])
        for r in rows
    }


async def rule_of(conn: Connection, rank: str) -> PairingRule | None:
    row = await conn.fetchrow(
        "SELECT rank, name, max_households, min_fen, max_fen FROM pairing_rules WHERE rank = $1", rank
    )
    return PairingRule(**dict(row)) if row else None


async def all_rules(conn: Connection) -> list[PairingRule]:
    rows = await conn.fetch("SELECT rank, name, max_households, min_fen, max_fen FROM pairing_rules ORDER BY rank")
    return [PairingRule(**dict(r)) for r in rows]

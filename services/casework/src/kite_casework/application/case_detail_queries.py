"""Reads of a case's referrals and money entries; the case must be one the caller sees."""

from __future__ import annotations

import uuid

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection

from kite_casework.application.queries import get_case


async def case_referrals(conn: Connection, principal: Principal, case_id: uuid.UUID) -> list[asyncpg.Record]:
    await get_case(conn, principal, case_id)
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT referral_id, department, question, department_deadline, referred_by, referred_at, state, reply,
                  answered_by, recorded_by, answered_at, late, withdrawn_reason, withdrawn_by, withdrawn_at
           FROM case_referrals WHERE case_id = $1 ORDER BY referred_at, referral_id""",
        case_id,
    )
    return rows


async def case_money(
    conn: Connection, principal: Principal, case_id: uuid.UUID
) -> tuple[asyncpg.Record, list[asyncpg.Record]]:
    """The case (with its totals) and its money entries in the order recorded."""
    case = await get_case(conn, principal, case_id)
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT entry_id, kind, amount_fen, on_date, note, recorded_by, recorded_at
           FROM case_money_entries WHERE case_id = $1 ORDER BY recorded_at, entry_id""",
        case_id,
    )
    return case, rows

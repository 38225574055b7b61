"""Reads of a case's referrals and money entries (the case must be one the caller sees), and the
referral queue of the cases the caller sees."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.pagination import decode_keyset_cursor, encode_keyset_cursor

from kite_casework.application.queries import get_case

_REFERRALS = """SELECT case_id, referral_id, department, question, department_deadline, referred_by, referred_at,
                       state, reply, answered_by, recorded_by, answered_at, late, withdrawn_reason, withdrawn_by,
                       withdrawn_at
                FROM case_referrals"""


async def case_referrals(conn: Connection, principal: Principal, case_id: uuid.UUID) -> list[asyncpg.Record]:
    await get_case(conn, principal, case_id)
    rows: list[asyncpg.Record] = await conn.fetch(
        _REFERRALS + " WHERE case_id = $1 ORDER BY referred_at, referral_id", case_id
    )
    return rows


async def case_money(
    conn: Connection, principal: Principal, case_id: uuid.UUID
) -> tuple[asyncpg.Record, list[asyncpg.Record], list[asyncpg.Record]]:
    """The case (with its totals), its money entries in the order recorded, and their corrections."""
    case = await get_case(conn, principal, case_id)
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT entry_id, kind, amount_fen, current_fen, on_date, note, recorded_by, recorded_at
           FROM case_money_entries WHERE case_id = $1 ORDER BY recorded_at, entry_id""",
        case_id,
    )
    corrections: list[asyncpg.Record] = await conn.fetch(
        """SELECT correction_id, entry_id, amount_fen, replaces_fen, reason, corrected_by, corrected_at
           FROM case_money_corrections WHERE case_id = $1 ORDER BY corrected_at, correction_id""",
        case_id,
    )
    return case, rows, corrections


_QUEUE_SCOPE = "referrals"


@dataclass(frozen=True)
class ReferralFilter:
    department: str | None = None
    state: str | None = None  # open, answered, withdrawn
    overdue: bool | None = None  # open and past the department's deadline (at `now`)


async def referral_queue(
    conn: Connection, principal: Principal, f: ReferralFilter, limit: int, cursor: str | None, now: datetime
) -> tuple[list[asyncpg.Record], str | None]:
    """Referrals of cases the caller sees (home or work place), by department deadline (earliest
    first), keyset-paged: a department's queue of what it still owes."""
    args: list[Any] = []

    def param(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    jurisdiction = param(principal.jurisdiction_like)
    where = ["true"]
    if f.department is not None:
        where.append(f"department = {param(f.department)}")
    if f.state is not None:
        where.append(f"state = {param(f.state)}")
    if f.overdue is not None:
        overdue = f"(state = 'open' AND department_deadline < {param(now)})"
        where.append(overdue if f.overdue else f"NOT {overdue}")
    if cursor:
        after, after_id = decode_keyset_cursor(cursor, _QUEUE_SCOPE)
        value, last = param(after), param(after_id)
        where.append(f"(department_deadline, referral_id) > ({value}, {last})")
    filters = " AND ".join(where)
    home = f"origin_division_code LIKE {jurisdiction}"
    work = f"work_division_code LIKE {jurisdiction} AND origin_division_code NOT LIKE {jurisdiction}"
    order, n = "department_deadline, referral_id", param(limit + 1)
    rows = await conn.fetch(
        f"""SELECT * FROM (({_REFERRALS} WHERE {home} AND {filters} ORDER BY {order} LIMIT {n})
                 UNION ALL ({_REFERRALS} WHERE {work} AND {filters} ORDER BY {order} LIMIT {n})) AS visible
            ORDER BY {order} LIMIT {n}""",
        *args,
    )
    next_cursor = None
    if len(rows) > limit:
        last_row = rows[limit - 1]
        next_cursor = encode_keyset_cursor(last_row["department_deadline"], last_row["referral_id"], _QUEUE_SCOPE)
    return list(rows[:limit]), next_cursor

"""Reads of applications, placements and follow-ups, by the member's home: limited to the caller's
jurisdiction, keyset pages, one indexed query each."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.pagination import decode_cursor, decode_keyset_cursor, encode_cursor, encode_keyset_cursor

from kite_jobs.application.queries import Page, get_posting
from kite_jobs.application.retention import PlacementNotFound


async def list_applications(
    conn: Connection, principal: Principal, posting_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    await get_posting(conn, principal, posting_id)
    args: list[Any] = [posting_id, principal.jurisdiction_like]
    after = ""
    if cursor:
        args.append(decode_cursor(cursor))
        after = f"AND a.member_id > ${len(args)}"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT a.*, m.name AS member_name FROM applications a LEFT JOIN members m USING (member_id)
            WHERE a.posting_id = $1 AND a.member_origin_division_code LIKE $2 {after}
            ORDER BY a.member_id LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["member_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


_PLACEMENT = """SELECT p.*, m.name AS member_name, e.name AS employer_name
                FROM placements p LEFT JOIN members m USING (member_id) JOIN employers e USING (employer_id)"""


async def get_placement(conn: Connection, principal: Principal, placement_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(_PLACEMENT + " WHERE p.placement_id = $1", placement_id)
    if row is None or not principal.covers(row["member_origin_division_code"]):
        raise PlacementNotFound()
    return row


async def follow_ups_of(conn: Connection, placement_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[asyncpg.Record]]:
    rows = await conn.fetch(
        "SELECT * FROM follow_ups WHERE placement_id = ANY($1::uuid[]) ORDER BY placement_id, month", placement_ids
    )
    out: dict[uuid.UUID, list[asyncpg.Record]] = {}
    for r in rows:
        out.setdefault(r["placement_id"], []).append(r)
    return out


async def list_placements(
    conn: Connection, principal: Principal, member_id: uuid.UUID | None, limit: int, cursor: str | None
) -> Page:
    args: list[Any] = [principal.jurisdiction_like]
    where = ["p.member_origin_division_code LIKE $1"]
    if member_id is not None:
        args.append(member_id)
        where.append(f"p.member_id = ${len(args)}")
    if cursor:
        args.append(decode_cursor(cursor))
        where.append(f"p.placement_id > ${len(args)}")
    args.append(limit + 1)
    rows = await conn.fetch(
        f"{_PLACEMENT} WHERE {' AND '.join(where)} ORDER BY p.placement_id LIMIT ${len(args)}", *args
    )
    next_cursor = encode_cursor(rows[limit - 1]["placement_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


_DUE_SCOPE = "follow-ups-due"


async def list_due_follow_ups(conn: Connection, principal: Principal, limit: int, cursor: str | None) -> Page:
    """The follow-ups due and not yet recorded for the caller's people, the longest due first."""
    args: list[Any] = [principal.jurisdiction_like]
    after = ""
    if cursor:
        due, last = decode_keyset_cursor(cursor, _DUE_SCOPE)
        args += [date.fromisoformat(str(due)), last]
        after = "AND (f.due_on, f.placement_id) > ($2::date, $3)"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT f.*, m.name AS member_name FROM follow_ups f LEFT JOIN members m USING (member_id)
            WHERE f.status = 'due' AND f.member_origin_division_code LIKE $1 {after}
            ORDER BY f.due_on, f.placement_id, f.month LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = None
    if len(rows) > limit:
        last_row = rows[limit - 1]
        next_cursor = encode_keyset_cursor(last_row["due_on"].isoformat(), last_row["placement_id"], _DUE_SCOPE)
    return list(rows[:limit]), next_cursor

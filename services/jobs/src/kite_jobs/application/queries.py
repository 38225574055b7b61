"""Reads of the employers, postings and matches read models, and of the members jobs keeps."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import NotFound
from kite_common.pagination import decode_cursor, encode_cursor

Page = tuple[list[asyncpg.Record], str | None]


def _page(rows: list[asyncpg.Record], limit: int, key: str) -> Page:
    next_cursor = encode_cursor(rows[limit - 1][key]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


async def get_employer(conn: Connection, employer_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM employers WHERE employer_id = $1", employer_id)
    if row is None:
        raise NotFound("未找到该用人单位", code="employer-not-found")
    return row


async def employer_id_by_credit_code(conn: Connection, uscc: str) -> uuid.UUID | None:
    """The employer registered with this unified social credit code, if any."""
    existing: uuid.UUID | None = await conn.fetchval(
        "SELECT employer_id FROM employers WHERE unified_social_credit_code = $1", uscc
    )
    return existing


_POSTING = """SELECT p.*, e.name AS employer_name FROM postings p JOIN employers e USING (employer_id)"""


async def get_posting(conn: Connection, posting_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(_POSTING + " WHERE p.posting_id = $1", posting_id)
    if row is None:
        raise NotFound("未找到该岗位", code="posting-not-found")
    return row


async def list_postings(
    conn: Connection, city: str | None, employer_id: uuid.UUID | None, limit: int, cursor: str | None
) -> Page:
    where: list[str] = []
    args: list[Any] = []
    for column, value in (("p.city", city), ("p.employer_id", employer_id)):
        if value is not None:
            args.append(value)
            where.append(f"{column} = ${len(args)}")
    if cursor:
        args.append(decode_cursor(cursor))
        where.append(f"p.posting_id > ${len(args)}")
    args.append(limit + 1)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    rows = await conn.fetch(f"{_POSTING} {clause} ORDER BY p.posting_id LIMIT ${len(args)}", *args)
    return _page(rows, limit, "posting_id")


async def list_matches(
    conn: Connection, principal: Principal, posting_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """Matches of one posting whose member is inside the caller's jurisdiction, by member id."""
    await get_posting(conn, posting_id)
    args: list[Any] = [posting_id, principal.jurisdiction_like]
    after = ""
    if cursor:
        args.append(decode_cursor(cursor))
        after = f"AND x.member_id > ${len(args)}"
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT x.*, m.name AS member_name FROM matches x LEFT JOIN members m USING (member_id)
            WHERE x.posting_id = $1 AND x.member_origin_division_code LIKE $2 {after}
            ORDER BY x.member_id LIMIT ${len(args)}""",
        *args,
    )
    return _page(rows, limit, "member_id")


async def member_names(conn: Connection, member_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    """The names of these members, as jobs keeps them (members it does not know are left out)."""
    rows = await conn.fetch("SELECT member_id, name FROM members WHERE member_id = ANY($1::uuid[])", member_ids)
    return {r["member_id"]: r["name"] for r in rows}

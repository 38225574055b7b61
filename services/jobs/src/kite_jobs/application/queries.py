"""Reads of the employers, postings, matches and seekers read models, and of the members jobs keeps,
always limited to the caller's jurisdiction: outside it a record answers exactly as a missing one."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.pagination import decode_cursor, encode_cursor

from kite_jobs.domain.rules import EmployerNotFound, MemberNotFound, PostingNotFound

Page = tuple[list[asyncpg.Record], str | None]


def _page(rows: list[asyncpg.Record], limit: int, key: str) -> Page:
    next_cursor = encode_cursor(rows[limit - 1][key]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


async def get_employer(conn: Connection, principal: Principal, employer_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow("SELECT * FROM employers WHERE employer_id = $1", employer_id)
    if row is None or not principal.covers(row["area_division_code"]):
        raise EmployerNotFound()
    return row


async def employer_id_by_credit_code(conn: Connection, uscc: str) -> uuid.UUID | None:
    """The employer registered with this unified social credit code, if any."""
    existing: uuid.UUID | None = await conn.fetchval(
        "SELECT employer_id FROM employers WHERE unified_social_credit_code = $1", uscc
    )
    return existing


async def list_employers(
    conn: Connection, principal: Principal, verified: bool | None, limit: int, cursor: str | None
) -> Page:
    args: list[Any] = [principal.jurisdiction_like]
    where = ["area_division_code LIKE $1"]
    if verified is not None:
        args.append(verified)
        where.append(f"verified = ${len(args)}")
    if cursor:
        args.append(decode_cursor(cursor))
        where.append(f"employer_id > ${len(args)}")
    args.append(limit + 1)
    rows = await conn.fetch(
        f"SELECT * FROM employers WHERE {' AND '.join(where)} ORDER BY employer_id LIMIT ${len(args)}", *args
    )
    return _page(rows, limit, "employer_id")


# The employer's unresolved wage-arrears cases (its labour-rights record) mark a posting for staff.
_POSTING = """SELECT p.*, e.name AS employer_name, e.verified AS employer_verified,
                     COALESCE(r.open_wage_cases, 0) AS employer_open_wage_cases,
                     COALESCE(r.open_wage_cases, 0) > 0 AS marked_wage_arrears
              FROM postings p JOIN employers e USING (employer_id)
              LEFT JOIN employer_rights r USING (employer_id)"""


async def get_posting(conn: Connection, principal: Principal, posting_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(_POSTING + " WHERE p.posting_id = $1", posting_id)
    if row is None or not principal.covers(row["area_division_code"]):
        raise PostingNotFound()
    return row


@dataclass(frozen=True)
class PostingFilter:
    employer_id: uuid.UUID | None = None
    place: str | None = None  # a division-code prefix: postings whose place lies in it
    status: str | None = None
    marked: bool | None = None  # True: only postings of employers with unresolved wage arrears; False: none of them


async def list_postings(
    conn: Connection, principal: Principal, f: PostingFilter, limit: int, cursor: str | None
) -> Page:
    args: list[Any] = [principal.jurisdiction_like]
    where = ["p.area_division_code LIKE $1"]
    if f.employer_id is not None:
        args.append(f.employer_id)
        where.append(f"p.employer_id = ${len(args)}")
    if f.place:
        args.append(f.place + "%")
        where.append(f"p.place_division_code LIKE ${len(args)}")
    if f.status is not None:
        args.append(f.status)
        where.append(f"p.status = ${len(args)}")
    if f.marked is not None:
        where.append("COALESCE(r.open_wage_cases, 0) > 0" if f.marked else "COALESCE(r.open_wage_cases, 0) = 0")
    if cursor:
        args.append(decode_cursor(cursor))
        where.append(f"p.posting_id > ${len(args)}")
    args.append(limit + 1)
    rows = await conn.fetch(f"{_POSTING} WHERE {' AND '.join(where)} ORDER BY p.posting_id LIMIT ${len(args)}", *args)
    return _page(rows, limit, "posting_id")


async def list_matches(
    conn: Connection, principal: Principal, posting_id: uuid.UUID, limit: int, cursor: str | None
) -> Page:
    """Matches of one posting whose member is inside the caller's jurisdiction, by member id.
    The posting itself is read like any other: outside the caller's jurisdiction it is not found."""
    await get_posting(conn, principal, posting_id)
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


async def get_seeker(conn: Connection, principal: Principal, member_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(
        "SELECT s.*, m.name FROM seekers s JOIN members m USING (member_id) WHERE s.member_id = $1", member_id
    )
    if row is None or not principal.covers(row["origin_division_code"]):
        raise MemberNotFound()
    return row

"""Reads of party members, their dues and org-life sessions, always within the caller's jurisdiction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import NotFound
from kite_common.pagination import decode_cursor, encode_cursor

from kite_roster.party.application.party_common import member_origin
from kite_roster.party.domain.party_events import PartyStatus

_PARTY = """SELECT p.member_id, m.name, p.origin_division_code, p.joined_on, p.probationary, p.probationary_until,
                   p.confirmed_on, p.status, p.status_changed_on, p.version
            FROM party_members p JOIN members m USING (member_id)"""


@dataclass(frozen=True)
class PartyMemberFilter:
    status: PartyStatus | None = None
    origin_prefix: str | None = None
    organisation_id: uuid.UUID | None = None  # a current member of this branch
    confirmation_due_by: date | None = None  # 预备党员 whose probation ends by this day, not yet confirmed


async def get_party_member(conn: Connection, principal: Principal, member_id: uuid.UUID) -> dict[str, Any]:
    await member_origin(conn, principal, member_id)
    row = await conn.fetchrow(_PARTY + " WHERE p.member_id = $1", member_id)
    if row is None:
        raise NotFound("该人员没有党员记录", code="party-record-not-found")
    [out] = await _with_memberships(conn, [row])
    return out


async def list_party_members(
    conn: Connection, principal: Principal, f: PartyMemberFilter, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    args: list[Any] = [principal.jurisdiction_like]
    where = ["m.origin_division_code LIKE $1"]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.status is not None:
        where.append(f"p.status = {arg(f.status.value)}")
    if f.origin_prefix:
        where.append(f"p.origin_division_code LIKE {arg(f.origin_prefix + '%')}")
    if f.confirmation_due_by is not None:
        where.append(
            f"p.probationary AND p.confirmed_on IS NULL AND p.probationary_until <= {arg(f.confirmation_due_by)}"
        )
    if f.organisation_id is not None:
        where.append(
            "EXISTS (SELECT 1 FROM branch_memberships b WHERE b.member_id = p.member_id"
            f" AND b.organisation_id = {arg(f.organisation_id)} AND b.left_on IS NULL)"
        )
    if cursor:
        where.append(f"p.member_id > {arg(decode_cursor(cursor))}")
    rows = await conn.fetch(f"{_PARTY} WHERE {' AND '.join(where)} ORDER BY p.member_id LIMIT {arg(limit + 1)}", *args)
    next_cursor = encode_cursor(rows[limit - 1]["member_id"]) if len(rows) > limit else None
    return await _with_memberships(conn, list(rows[:limit])), next_cursor


async def _with_memberships(conn: Connection, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    """Current branch memberships for a whole page, in one query."""
    ids = [r["member_id"] for r in rows]
    memberships = await conn.fetch(
        """SELECT b.member_id, b.organisation_id, o.name AS organisation_name, o.kind, o.host_city, b.role, b.joined_on
           FROM branch_memberships b JOIN organisations o USING (organisation_id)
           WHERE b.member_id = ANY($1::uuid[]) AND b.left_on IS NULL ORDER BY b.member_id, b.role""",
        ids,
    )
    by_member: dict[uuid.UUID, list[dict[str, Any]]] = {i: [] for i in ids}
    for m in memberships:
        by_member[m["member_id"]].append(dict(m))
    return [{**dict(r), "memberships": by_member[r["member_id"]]} for r in rows]


async def list_dues(
    conn: Connection, principal: Principal, member_id: uuid.UUID, year: int | None
) -> list[asyncpg.Record]:
    await member_origin(conn, principal, member_id)
    if year is None:
        return list(
            await conn.fetch(
                "SELECT month, amount_fen, paid_on, corrected FROM dues_payments WHERE member_id = $1 ORDER BY month",
                member_id,
            )
        )
    return list(
        await conn.fetch(
            """SELECT month, amount_fen, paid_on, corrected FROM dues_payments
               WHERE member_id = $1 AND month LIKE $2 ORDER BY month""",
            member_id,
            f"{year:04d}-%",
        )
    )


async def get_session(conn: Connection, principal: Principal, session_id: uuid.UUID) -> dict[str, Any]:
    row = await conn.fetchrow(
        """SELECT s.*, o.name AS organisation_name FROM org_life_sessions s
           JOIN organisations o USING (organisation_id) WHERE s.session_id = $1""",
        session_id,
    )
    if row is None or not principal.covers(row["division_code"]):  # outside: as if it did not exist
        raise NotFound("未找到该次组织生活", code="session-not-found")
    attendance = await conn.fetch(
        """SELECT a.member_id, m.name, a.status, a.reason FROM org_life_attendance a
           LEFT JOIN members m USING (member_id) WHERE a.session_id = $1 ORDER BY a.member_id""",
        session_id,
    )
    return {**dict(row), "attendance": [dict(a) for a in attendance]}


async def list_sessions(
    conn: Connection,
    principal: Principal,
    organisation_id: uuid.UUID | None,
    held_from: date | None,
    held_to: date | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    args: list[Any] = [principal.jurisdiction_like]
    where = ["s.division_code LIKE $1"]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if organisation_id is not None:
        where.append(f"s.organisation_id = {arg(organisation_id)}")
    if held_from is not None:
        where.append(f"s.held_on >= {arg(held_from)}")
    if held_to is not None:
        where.append(f"s.held_on <= {arg(held_to)}")
    if cursor:
        where.append(f"s.session_id > {arg(decode_cursor(cursor))}")
    rows = await conn.fetch(
        f"""SELECT s.*, o.name AS organisation_name
            FROM org_life_sessions s JOIN organisations o USING (organisation_id)
            WHERE {" AND ".join(where)} ORDER BY s.session_id LIMIT {arg(limit + 1)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["session_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor

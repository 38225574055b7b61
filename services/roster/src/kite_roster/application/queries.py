"""Reads of the member read model, always limited to the caller's jurisdiction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.http.problems import Forbidden, NotFound
from kite_common.pagination import decode_cursor, encode_cursor

_SELECT = """SELECT m.member_id, m.name, m.gender, m.birth_year, m.origin_division_code, m.current_city,
                    m.employer, m.is_party_member, m.skills, m.registered_at, m.version,
                    p.id_number_masked AS id_number, p.phone_masked AS phone
             FROM members m JOIN member_pii p USING (member_id)"""


@dataclass(frozen=True)
class MemberFilter:
    origin_prefix: str | None = None
    current_city: str | None = None
    employer: str | None = None
    is_party_member: bool | None = None
    name_prefix: str | None = None


async def get_member(conn: Connection, principal: Principal, member_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(_SELECT + " WHERE m.member_id = $1", member_id)
    if row is None:
        raise NotFound("未找到该人员", code="member-not-found")
    if not principal.covers(row["origin_division_code"]):
        raise Forbidden("该人员不在您的管辖范围内", code="outside-jurisdiction")
    return row


async def list_members(
    conn: Connection, principal: Principal, f: MemberFilter, limit: int, cursor: str | None
) -> tuple[list[asyncpg.Record], str | None]:
    where = ["m.origin_division_code LIKE $1"]
    args: list[Any] = [principal.jurisdiction_like]
    if f.origin_prefix:
        if not (
            f.origin_prefix.startswith(principal.jurisdiction) or principal.jurisdiction.startswith(f.origin_prefix)
        ):
            return [], None
        args.append(f.origin_prefix + "%")
        where.append(f"m.origin_division_code LIKE ${len(args)}")
    for column, value in (
        ("current_city", f.current_city),
        ("employer", f.employer),
        ("is_party_member", f.is_party_member),
    ):
        if value is not None:
            args.append(value)
            where.append(f"m.{column} = ${len(args)}")
    if f.name_prefix:
        args.append(f.name_prefix.replace("%", r"\%").replace("_", r"\_") + "%")
        where.append(f"m.name LIKE ${len(args)}")
    if cursor:
        args.append(decode_cursor(cursor))
        where.append(f"m.member_id > ${len(args)}")
    args.append(limit + 1)
    rows = await conn.fetch(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY m.member_id LIMIT ${len(args)}", *args)
    next_cursor = encode_cursor(rows[limit - 1]["member_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor

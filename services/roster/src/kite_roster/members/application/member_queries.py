"""Reads of the member read model, always limited to the caller's jurisdiction.

Search plans at 20 M members (see migrations/0002): a small area (a county, a village) reads its
origin range (or another index: the search terms for name, city, employer and industry; a personal
number's keyed hash) and sorts what it found; a large area walks the sort order (primary key
for sort=registered, since member ids are UUIDv7 minted at registration; the name index for sort=name)
and tests each row. PostgreSQL picks per query, since plans are always made for the actual values.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Literal

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import NotFound
from kite_common.pagination import decode_keyset_cursor, encode_keyset_cursor

from kite_roster.members.domain.member import ContactStatus, MemberStatus, name_bigrams, stream_id

MemberSort = Literal["registered", "-registered", "name"]
HouseholdFlag = Literal["poverty_registered", "relocated", "monitored"]

MEMBER_COLUMNS = """m.member_id, m.name, m.gender, m.birth_year, m.origin_division_code, m.current_city,
                    m.employer, m.industry, m.is_party_member, m.skills, m.languages, m.disability,
                    m.union_member, m.status, m.deregistered_reason, m.deregistered_at, m.contact_status,
                    m.last_contact_at, m.contact_lost_at, m.household_id, m.registered_at, m.version,
                    p.id_number_masked AS id_number, p.phone_masked AS phone"""
_SELECT = f"SELECT {MEMBER_COLUMNS} FROM members m JOIN member_pii p USING (member_id)"

_ORDER: dict[MemberSort, str] = {
    "registered": "m.member_id",
    "-registered": "m.member_id DESC",
    "name": "m.name, m.member_id",
}


@dataclass(frozen=True)
class MemberFilter:
    origin_prefix: str | None = None
    current_city: str | None = None
    employer: str | None = None
    is_party_member: bool | None = None
    # Part of the name (two characters or more, anywhere in it); a single character is the surname.
    name: str | None = None
    industry: str | None = None
    # Keyed hashes (PiiVault.id_hash / phone_hash): the numbers themselves never reach a query.
    id_number_hash: bytes | None = None
    phone_hash: bytes | None = None
    contact_status: ContactStatus | None = None
    # None: any status. Deregistered members are left out unless asked for.
    status: MemberStatus | None = "active"
    poverty_registered: bool | None = None
    relocated: bool | None = None
    monitored: bool | None = None


def _like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", r"\%").replace("_", r"\_")


def _conditions(principal: Principal, f: MemberFilter) -> tuple[list[str], list[Any]] | None:
    """WHERE terms and their arguments; None when the filter cannot match inside the jurisdiction."""
    args: list[Any] = []

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    area = principal.jurisdiction
    if f.origin_prefix:
        if f.origin_prefix.startswith(area):
            area = f.origin_prefix
        elif not area.startswith(f.origin_prefix):
            return None
    where: list[str] = []
    for column, value in (
        ("current_city", f.current_city),
        ("employer", f.employer),
        ("industry", f.industry),
        ("is_party_member", f.is_party_member),
        ("contact_status", f.contact_status),
        ("status", f.status),
    ):
        if value is not None:
            where.append(f"m.{column} = {arg(value)}")
    for column, digest in (("id_number_hash", f.id_number_hash), ("phone_hash", f.phone_hash)):
        if digest is not None:
            where.append(f"m.member_id IN (SELECT member_id FROM member_pii WHERE {column} = {arg(digest)})")
    # Search terms (domain search_terms), looked up together in the one GIN index. Within a county
    # or smaller, city, employer and industry use the county's own terms: a short list, not all of 深圳.
    scope = f"@{area[:6]}" if len(area) >= 6 else ""
    terms = [
        f"{tag}{scope}:{value}"
        for tag, value in (("c", f.current_city), ("e", f.employer), ("i", f.industry))
        if value is not None
    ]
    scoped = bool(scope and terms)
    if f.name:
        if len(f.name) >= 2:
            terms += name_bigrams(f.name)
            where.append(f"m.name LIKE {arg('%' + _like_escape(f.name) + '%')}")
        else:
            where.append(f"m.name LIKE {arg(_like_escape(f.name) + '%')}")
    if terms:
        where.append(f"m.search_terms @> {arg(terms)}::text[]")
    # A county's own term already keeps to the county; the origin range beside it would only make the
    # planner intersect it with every member of the county.
    if area and not (scoped and len(area) == 6):
        where.append(f"m.origin_division_code LIKE {arg(area + '%')}")
    flags: tuple[tuple[HouseholdFlag, bool | None], ...] = (
        ("poverty_registered", f.poverty_registered),
        ("relocated", f.relocated),
        ("monitored", f.monitored),
    )
    for flag, wanted in flags:
        if wanted is not None:
            where.append(
                f"""{"" if wanted else "NOT "}EXISTS (SELECT 1 FROM household_members hm
                        JOIN households h ON h.household_id = hm.household_id
                        WHERE hm.member_id = m.member_id AND h.{flag})"""
            )
    return where, args


def _keyset(sort: MemberSort, cursor: str, args: list[Any]) -> str:
    value, last_id = decode_keyset_cursor(cursor, scope=f"members:{sort}")
    args.append(last_id)
    if sort == "registered":
        return f"m.member_id > ${len(args)}"
    if sort == "-registered":
        return f"m.member_id < ${len(args)}"
    args.append(value if isinstance(value, str) else "")
    return f"(m.name, m.member_id) > (${len(args)}, ${len(args) - 1})"


def _cursor_after(sort: MemberSort, row: asyncpg.Record) -> str:
    return encode_keyset_cursor(row["name"] if sort == "name" else None, row["member_id"], scope=f"members:{sort}")


async def get_member(conn: Connection, principal: Principal, member_id: uuid.UUID) -> asyncpg.Record:
    row = await conn.fetchrow(_SELECT + " WHERE m.member_id = $1", member_id)
    if row is None or not principal.covers(row["origin_division_code"]):  # outside: as if it did not exist
        raise NotFound("未找到该人员", code="member-not-found")
    return row


async def list_members(
    conn: Connection,
    principal: Principal,
    f: MemberFilter,
    limit: int,
    cursor: str | None,
    sort: MemberSort = "registered",
) -> tuple[list[asyncpg.Record], str | None]:
    found = _conditions(principal, f)
    if found is None:
        return [], None
    where, args = found
    if cursor:
        where.append(_keyset(sort, cursor, args))
    args.append(limit + 1)
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    # The page is chosen from members alone, then joined to the masked numbers: a join before the
    # LIMIT can lead the planner to walk all of member_pii in id order to meet a few sparse rows.
    rows = await conn.fetch(
        f"""SELECT {MEMBER_COLUMNS}
            FROM (SELECT * FROM members m {clause} ORDER BY {_ORDER[sort]} LIMIT ${len(args)}) m
            JOIN member_pii p USING (member_id)
            ORDER BY {_ORDER[sort]}""",
        *args,
    )
    next_cursor = _cursor_after(sort, rows[limit - 1]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


async def iterate_members(
    conn: Connection,
    principal: Principal,
    f: MemberFilter,
    sort: MemberSort = "registered",
    batch: int = 1000,
) -> AsyncIterator[asyncpg.Record]:
    """Every member the filter finds, in order, through a server-side cursor fetching `batch` rows at
    a time: an export of millions never holds more than a batch. Runs in a transaction of its own
    (a savepoint when the caller already has one)."""
    found = _conditions(principal, f)
    if found is None:
        return
    where, args = found
    clause = f"WHERE {' AND '.join(where)}" if where else ""
    async with conn.transaction():
        async for row in conn.cursor(f"{_SELECT} {clause} ORDER BY {_ORDER[sort]}", *args, prefetch=batch):
            yield row


async def member_history(conn: Connection, principal: Principal, member_id: uuid.UUID) -> list[asyncpg.Record]:
    """The member's events, oldest first. Events never hold a personal number."""
    await get_member(conn, principal, member_id)
    return await conn.fetch(
        """SELECT stream_version AS version, type, occurred_at, data FROM events
           WHERE stream_id = $1 ORDER BY stream_version""",
        stream_id(member_id),
    )


async def member_movements(conn: Connection, principal: Principal, member_id: uuid.UUID) -> list[asyncpg.Record]:
    await get_member(conn, principal, member_id)
    return await conn.fetch(
        """SELECT version, moved_on, from_city, from_employer, from_industry, to_city, to_employer, to_industry,
                  recorded_at, recorded_by
           FROM member_movements WHERE member_id = $1 ORDER BY version""",
        member_id,
    )

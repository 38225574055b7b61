"""Reads of organisations: one (with its live children and members counted), a filtered list, a
branch's current members — always within the caller's jurisdiction; contacts' phones masked."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import NotFound
from kite_common.pagination import decode_cursor, encode_cursor

from kite_roster.party.adapters.organisation_contacts import masked_phones
from kite_roster.party.adapters.organisation_tree import organisation_row
from kite_roster.party.domain.organisation_events import OrganisationKind

_COLUMNS = """o.organisation_id, o.parent_id, p.name AS parent_name, o.name, o.kind, o.division_code, o.host_city,
              o.depth, o.contacts, o.dissolved, o.dissolved_on, o.dissolved_reason, o.registered_at, o.version"""


@dataclass(frozen=True)
class OrganisationFilter:
    kind: OrganisationKind | None = None
    division_prefix: str | None = None
    host_city: str | None = None
    parent_id: uuid.UUID | None = None
    within: uuid.UUID | None = None  # the subtree of this organisation, itself included
    include_dissolved: bool = False


async def get_organisation(conn: Connection, principal: Principal, organisation_id: uuid.UUID) -> dict[str, Any]:
    row = await conn.fetchrow(
        f"""SELECT {_COLUMNS},
                   (SELECT count(*) FROM organisations c WHERE c.parent_id = o.organisation_id AND NOT c.dissolved)
                       AS children_count,
                   coalesce(bc.members, 0) AS members_count
            FROM organisations o
            LEFT JOIN organisations p ON p.organisation_id = o.parent_id
            LEFT JOIN branch_counts bc ON bc.organisation_id = o.organisation_id
            WHERE o.organisation_id = $1""",
        organisation_id,
    )
    if row is None or not principal.covers(row["division_code"]):  # outside: as if it did not exist
        raise NotFound("未找到该组织", code="organisation-not-found")
    [out] = await _with_contacts(conn, [row])
    return out


async def list_organisations(
    conn: Connection, principal: Principal, f: OrganisationFilter, limit: int, cursor: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    where = ["o.division_code LIKE $1"]
    args: list[Any] = [principal.jurisdiction_like]

    def arg(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    if f.division_prefix:
        where.append(f"o.division_code LIKE {arg(f.division_prefix + '%')}")
    if f.kind is not None:
        where.append(f"o.kind = {arg(f.kind.value)}")
    if f.host_city:
        where.append(f"o.host_city = {arg(f.host_city)}")
    if f.parent_id is not None:
        where.append(f"o.parent_id = {arg(f.parent_id)}")
    if f.within is not None:
        path = await conn.fetchval("SELECT path FROM organisations WHERE organisation_id = $1", f.within)
        if path is None:
            return [], None
        where.append(f"o.path LIKE {arg(path + '%')}")
    if not f.include_dissolved:
        where.append("NOT o.dissolved")
    if cursor:
        where.append(f"o.organisation_id > {arg(decode_cursor(cursor))}")
    rows = await conn.fetch(
        f"""SELECT {_COLUMNS} FROM organisations o LEFT JOIN organisations p ON p.organisation_id = o.parent_id
            WHERE {" AND ".join(where)} ORDER BY o.organisation_id LIMIT {arg(limit + 1)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["organisation_id"]) if len(rows) > limit else None
    return await _with_contacts(conn, list(rows[:limit])), next_cursor


async def list_organisation_members(
    conn: Connection,
    principal: Principal,
    organisation_id: uuid.UUID,
    role: str | None,
    limit: int,
    cursor: str | None,
) -> tuple[list[asyncpg.Record], str | None]:
    """The branch's current members (those in the caller's jurisdiction), by member id."""
    org = await organisation_row(conn, organisation_id)
    if org is None or not principal.covers(org.division_code):  # outside: as if it did not exist
        raise NotFound("未找到该组织", code="organisation-not-found")
    args: list[Any] = [organisation_id, principal.jurisdiction_like]
    where = ["b.organisation_id = $1", "b.left_on IS NULL", "m.origin_division_code LIKE $2"]
    if role:
        args.append(role)
        where.append(f"b.role = ${len(args)}")
    if cursor:
        args.append(decode_cursor(cursor))
        where.append(f"b.member_id > ${len(args)}")
    args.append(limit + 1)
    rows = await conn.fetch(
        f"""SELECT b.member_id, m.name, m.gender, m.origin_division_code, m.current_city, m.employer,
                   b.role, b.joined_on, p.status AS party_status, p.joined_on AS party_joined_on,
                   (p.probationary AND p.confirmed_on IS NULL) AS probationary
            FROM branch_memberships b
            JOIN members m ON m.member_id = b.member_id
            JOIN party_members p ON p.member_id = b.member_id
            WHERE {" AND ".join(where)} ORDER BY b.member_id LIMIT ${len(args)}""",
        *args,
    )
    next_cursor = encode_cursor(rows[limit - 1]["member_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor


async def _with_contacts(conn: Connection, rows: list[asyncpg.Record]) -> list[dict[str, Any]]:
    """Rows as dicts, their contacts' phones masked, in one query for the whole page."""
    masked = await masked_phones(conn, [r["organisation_id"] for r in rows])
    out = []
    for r in rows:
        item = dict(r)
        item["contacts"] = [{**c, "phone": masked.get(uuid.UUID(c["contact_id"]))} for c in (r["contacts"] or [])]
        out.append(item)
    return out

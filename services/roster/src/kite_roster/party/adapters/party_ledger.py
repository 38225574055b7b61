"""The party ledger's reads: sums over the counters the party projection keeps (never a scan of
the members), one page of branches at a time, and the list of lost party members.

Scope: `origin_like` is a LIKE prefix pattern of home places (party members) and of branch areas
(branches: an out-station branch's area is its home county, not its host city); `path_like`,
when given, limits branches to a subtree of the organisation tree."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from kite_common.db.types import Connection

from kite_roster.party.domain.organisation import BRANCH_KINDS

_BRANCH_KINDS = sorted(k.value for k in BRANCH_KINDS)


@dataclass(frozen=True)
class LedgerScope:
    origin_like: str
    path_like: str | None
    month: str
    month_end: date
    period_from: str
    period_to: str


async def member_totals(conn: Connection, scope: LedgerScope) -> asyncpg.Record:
    row = await conn.fetchrow(
        """SELECT coalesce(sum(members), 0)::int AS members, coalesce(sum(normal), 0)::int AS normal,
                  coalesce(sum(probationary), 0)::int AS probationary, coalesce(sum(suspended), 0)::int AS suspended,
                  coalesce(sum(transferred_out), 0)::int AS transferred_out,
                  coalesce(sum(deceased), 0)::int AS deceased,
                  coalesce(sum(coverage_0), 0)::int AS coverage_0, coalesce(sum(coverage_1), 0)::int AS coverage_1,
                  coalesce(sum(coverage_2), 0)::int AS coverage_2, coalesce(sum(coverage_3), 0)::int AS coverage_3
           FROM party_origin_counts WHERE origin_division_code LIKE $1""",
        scope.origin_like,
    )
    assert row is not None
    return row


async def dues_totals(conn: Connection, scope: LedgerScope, normal: int) -> tuple[int, int]:
    """(paid, expected) for the month: members in normal status who had joined by the month's end."""
    paid: int = await conn.fetchval(
        """SELECT coalesce(sum(paid), 0)::int FROM party_dues_counts
           WHERE month = $2 AND origin_division_code LIKE $1""",
        scope.origin_like,
        scope.month,
    )
    joined_later: int = await conn.fetchval(
        """SELECT count(*)::int FROM party_members
           WHERE status = 'normal' AND joined_on > $2 AND origin_division_code LIKE $1""",
        scope.origin_like,
        scope.month_end,
    )
    return paid, normal - joined_later


def _branch_where(scope: LedgerScope, args: list[Any]) -> str:
    args.extend([_BRANCH_KINDS, scope.origin_like])
    where = [f"o.kind = ANY(${len(args) - 1}::text[])", "NOT o.dissolved", f"o.division_code LIKE ${len(args)}"]
    if scope.path_like is not None:
        args.append(scope.path_like)
        where.append(f"o.path LIKE ${len(args)}")
    return " AND ".join(where)


async def attendance_totals(conn: Connection, scope: LedgerScope) -> asyncpg.Record:
    args: list[Any] = []
    where = _branch_where(scope, args)
    args.extend([scope.period_from, scope.period_to])
    row = await conn.fetchrow(
        f"""SELECT count(DISTINCT o.organisation_id)::int AS branches_with_sessions,
                   coalesce(sum(l.sessions), 0)::int AS sessions, coalesce(sum(l.expected), 0)::int AS expected,
                   coalesce(sum(l.attended), 0)::int AS attended
            FROM org_life_monthly l JOIN organisations o USING (organisation_id)
            WHERE {where} AND l.month BETWEEN ${len(args) - 1} AND ${len(args)}""",
        *args,
    )
    assert row is not None
    return row


async def branch_count(conn: Connection, scope: LedgerScope) -> int:
    args: list[Any] = []
    where = _branch_where(scope, args)
    count: int = await conn.fetchval(f"SELECT count(*)::int FROM organisations o WHERE {where}", *args)
    return count


async def branch_page(
    conn: Connection, scope: LedgerScope, after: uuid.UUID | None, limit: int
) -> list[dict[str, Any]]:
    """Branches in scope by id, with members by role, attendance over the period and dues for the month."""
    args: list[Any] = []
    where = _branch_where(scope, args)
    if after is not None:
        args.append(after)
        where += f" AND o.organisation_id > ${len(args)}"
    args.extend([scope.month, scope.period_from, scope.period_to, limit])
    n = len(args)
    rows = await conn.fetch(
        f"""SELECT o.organisation_id, o.name, o.kind, o.division_code, o.host_city,
                   coalesce(bc.members, 0) AS members, coalesce(bc.origin, 0) AS origin,
                   coalesce(bc.region, 0) AS region, coalesce(bc.industry, 0) AS industry,
                   coalesce(bc.dues_expected, 0) AS dues_members, coalesce(bd.paid, 0) AS dues_paid,
                   coalesce(att.sessions, 0)::int AS sessions, coalesce(att.expected, 0)::int AS attendance_expected,
                   coalesce(att.attended, 0)::int AS attended
            FROM organisations o
            LEFT JOIN branch_counts bc ON bc.organisation_id = o.organisation_id
            LEFT JOIN branch_dues_counts bd ON bd.organisation_id = o.organisation_id AND bd.month = ${n - 3}
            LEFT JOIN LATERAL (
                SELECT sum(l.sessions) AS sessions, sum(l.expected) AS expected, sum(l.attended) AS attended
                FROM org_life_monthly l
                WHERE l.organisation_id = o.organisation_id AND l.month BETWEEN ${n - 2} AND ${n - 1}
            ) att ON true
            WHERE {where} ORDER BY o.organisation_id LIMIT ${n}""",
        *args,
    )
    page = [dict(r) for r in rows]
    if not page:
        return page
    # Dues are owed for a month only by those who had joined the party by its end: for a recent
    # month, few members joined later, and only theirs are looked at.
    later = await conn.fetch(
        """SELECT b.organisation_id, count(*)::int AS n
           FROM party_members p JOIN branch_memberships b ON b.member_id = p.member_id
           WHERE p.status = 'normal' AND p.joined_on > $2 AND b.organisation_id = ANY($1::uuid[])
                 AND b.left_on IS NULL AND b.role = 'origin'
           GROUP BY b.organisation_id""",
        [r["organisation_id"] for r in page],
        scope.month_end,
    )
    joined_later = {r["organisation_id"]: r["n"] for r in later}
    for r in page:
        r["dues_expected"] = r.pop("dues_members") - joined_later.get(r["organisation_id"], 0)
    return page


async def lost_members(
    conn: Connection, scope: LedgerScope, after: uuid.UUID | None, limit: int
) -> list[asyncpg.Record]:
    """Party members still in our care whose contact is lost (失联党员), by member id."""
    args: list[Any] = [scope.origin_like]
    where = "m.contact_status = 'lost' AND m.origin_division_code LIKE $1 AND p.status IN ('normal', 'suspended')"
    if after is not None:
        args.append(after)
        where += f" AND m.member_id > ${len(args)}"
    args.append(limit)
    return list(
        await conn.fetch(
            f"""SELECT m.member_id, m.name, m.origin_division_code, m.current_city, m.employer, m.last_contact_at,
                       p.status AS party_status
                FROM members m JOIN party_members p ON p.member_id = m.member_id
                WHERE {where} ORDER BY m.member_id LIMIT ${len(args)}""",
            *args,
        )
    )


async def lost_count(conn: Connection, scope: LedgerScope) -> int:
    count: int = await conn.fetchval(
        """SELECT count(*)::int FROM members m JOIN party_members p ON p.member_id = m.member_id
           WHERE m.contact_status = 'lost' AND m.origin_division_code LIKE $1
                 AND p.status IN ('normal', 'suspended')""",
        scope.origin_like,
    )
    return count

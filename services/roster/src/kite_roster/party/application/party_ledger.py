"""The party ledger (党员台账): members and three-way coverage, dues compliance for a month,
org-life attendance over a period, branches one page at a time, and lost party members."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden, NotFound, RuleViolation
from kite_common.pagination import decode_cursor, encode_cursor

from kite_roster.party.adapters import party_ledger as sql
from kite_roster.party.adapters.organisation_tree import organisation_row
from kite_roster.party.adapters.party_ledger import LedgerScope
from kite_roster.party.application.party_common import today
from kite_roster.party.domain.organisation import area_prefix
from kite_roster.party.domain.party import month_of, months_between, parse_month

LOST_ON_PAGE = 200
_BATCH = 1000


@dataclass(frozen=True)
class LedgerQuery:
    organisation_id: uuid.UUID | None = None
    origin: str | None = None
    month: str | None = None
    period_from: str | None = None
    period_to: str | None = None


@dataclass(frozen=True)
class ResolvedScope:
    scope: LedgerScope
    origin: str
    organisation_id: uuid.UUID | None
    organisation_name: str | None


def rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


async def resolve_scope(conn: Connection, principal: Principal, q: LedgerQuery) -> ResolvedScope:
    origin = _within_jurisdiction(principal, q.origin)
    path_like, name = None, None
    if q.organisation_id is not None:
        org = await organisation_row(conn, q.organisation_id)
        if org is None or not principal.covers(org.division_code):  # outside: as if it did not exist
            raise NotFound("未找到该组织", code="organisation-not-found")
        path_like, name = org.path + "%", org.name
        if q.origin is None:
            origin = area_prefix(org.division_code)
    month = q.month or month_of(today())
    year, mon = parse_month(month)
    period_to = q.period_to or month
    period_from = q.period_from or f"{year:04d}-01"
    if months_between(period_from, period_to) < 0:
        raise RuleViolation("统计期间的起始月份不能晚于结束月份", code="bad-period")
    month_end = date(year, mon, calendar.monthrange(year, mon)[1])
    return ResolvedScope(
        LedgerScope(origin + "%", path_like, month, month_end, period_from, period_to), origin, q.organisation_id, name
    )


def _within_jurisdiction(principal: Principal, origin: str | None) -> str:
    """The asked area, narrowed to the caller's jurisdiction; an area wholly outside it is 403."""
    if origin is None or principal.jurisdiction.startswith(origin):
        return principal.jurisdiction
    if origin.startswith(principal.jurisdiction):
        return origin
    raise Forbidden("所查地区不在您的管辖范围内", code="outside-jurisdiction")


async def party_ledger(conn: Connection, resolved: ResolvedScope, limit: int, cursor: str | None) -> dict[str, Any]:
    scope = resolved.scope
    totals = await sql.member_totals(conn, scope)
    paid, expected = await sql.dues_totals(conn, scope, totals["normal"])
    attendance = await sql.attendance_totals(conn, scope)
    branches = await sql.branch_page(conn, scope, decode_cursor(cursor) if cursor else None, limit + 1)
    lost = await sql.lost_members(conn, scope, None, LOST_ON_PAGE)
    return {
        "scope": {
            "organisation_id": resolved.organisation_id,
            "organisation_name": resolved.organisation_name,
            "origin": resolved.origin,
            "month": scope.month,
            "period_from": scope.period_from,
            "period_to": scope.period_to,
        },
        "members": {
            "total": totals["members"],
            "normal": totals["normal"],
            "probationary": totals["probationary"],
            "suspended": totals["suspended"],
            "transferred_out": totals["transferred_out"],
            "deceased": totals["deceased"],
        },
        "coverage": {
            "three": totals["coverage_3"],
            "two": totals["coverage_2"],
            "one": totals["coverage_1"],
            "none": totals["coverage_0"],
        },
        "dues": {"month": scope.month, "paid": paid, "expected": expected, "rate": rate(paid, expected)},
        "attendance": {
            "period_from": scope.period_from,
            "period_to": scope.period_to,
            "sessions": attendance["sessions"],
            "expected": attendance["expected"],
            "attended": attendance["attended"],
            "rate": rate(attendance["attended"], attendance["expected"]),
        },
        "branches": {
            "total": await sql.branch_count(conn, scope),
            "items": [_branch(r) for r in branches[:limit]],
            "next_cursor": encode_cursor(branches[limit - 1]["organisation_id"]) if len(branches) > limit else None,
        },
        "lost_members": {
            "total": await sql.lost_count(conn, scope),
            "items": [dict(r) for r in lost],
        },
    }


def _branch(row: dict[str, Any]) -> dict[str, Any]:
    return {
        **row,
        "attendance_rate": rate(row["attended"], row["attendance_expected"]),
        "dues_rate": rate(row["dues_paid"], row["dues_expected"]),
    }


async def all_branches(pool: asyncpg.Pool, scope: LedgerScope) -> AsyncIterator[dict[str, Any]]:
    """Every branch in scope, for a download: keyset batches, each on a connection of its own."""
    after = None
    while True:
        async with pool.acquire() as conn:
            page = await sql.branch_page(conn, scope, after, _BATCH)
        for row in page:
            yield _branch(row)
        if len(page) < _BATCH:
            return
        after = page[-1]["organisation_id"]


async def all_lost_members(pool: asyncpg.Pool, scope: LedgerScope) -> AsyncIterator[dict[str, Any]]:
    after = None
    while True:
        async with pool.acquire() as conn:
            page = await sql.lost_members(conn, scope, after, _BATCH)
        for row in page:
            yield dict(row)
        if len(page) < _BATCH:
            return
        after = page[-1]["member_id"]

"""Reads of the `cases` read model, always limited to the caller's jurisdiction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import NotFound
from kite_common.pagination import decode_cursor, encode_cursor

from kite_casework.domain.case import UNRESOLVED, CaseStatus
from kite_casework.domain.categories import CaseCategory

_SELECT = """SELECT case_id, member_id, origin_division_code, category, urgency, description, sla_tier,
                    opened_at, deadline, opened_by, status, accepted_by, accepted_at, version
             FROM cases"""
_UNRESOLVED = sorted(s.value for s in UNRESOLVED)


@dataclass(frozen=True)
class CaseFilter:
    status: CaseStatus | None = None
    category: CaseCategory | None = None
    member_id: uuid.UUID | None = None
    accepted_by: str | None = None
    overdue: bool | None = None  # unresolved and past the deadline (at `now`)
    due_before: datetime | None = None  # unresolved with a deadline before this time


async def get_case(conn: Connection, principal: Principal, case_id: uuid.UUID) -> asyncpg.Record:
    row: asyncpg.Record | None = await conn.fetchrow(_SELECT + " WHERE case_id = $1", case_id)
    if row is None or not principal.covers(row["origin_division_code"]):
        # outside the jurisdiction a case answers exactly as one that does not exist
        raise NotFound("未找到该诉求", code="case-not-found")
    return row


async def list_cases(
    conn: Connection, principal: Principal, f: CaseFilter, limit: int, cursor: str | None, now: datetime
) -> tuple[list[asyncpg.Record], str | None]:
    args: list[Any] = []

    def param(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    where = [f"origin_division_code LIKE {param(principal.jurisdiction_like)}"]
    if f.status is not None:
        where.append(f"status = {param(f.status.value)}")
    if f.category is not None:
        where.append(f"category = {param(f.category.value)}")
    if f.member_id is not None:
        where.append(f"member_id = {param(f.member_id)}")
    if f.accepted_by is not None:
        where.append(f"accepted_by = {param(f.accepted_by)}")
    if f.overdue is not None:
        overdue = f"status = ANY({param(_UNRESOLVED)}::text[]) AND deadline < {param(now)}"
        where.append(overdue if f.overdue else f"NOT ({overdue})")
    if f.due_before is not None:
        where.append(f"status = ANY({param(_UNRESOLVED)}::text[]) AND deadline < {param(f.due_before)}")
    if cursor:
        where.append(f"case_id > {param(decode_cursor(cursor))}")
    limit_param = param(limit + 1)
    rows = await conn.fetch(f"{_SELECT} WHERE {' AND '.join(where)} ORDER BY case_id LIMIT {limit_param}", *args)
    next_cursor = encode_cursor(rows[limit - 1]["case_id"]) if len(rows) > limit else None
    return list(rows[:limit]), next_cursor

"""Reads of the `cases` read model, always limited to the caller's jurisdiction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import NotFound
from kite_common.pagination import decode_cursor, decode_keyset_cursor, encode_cursor, encode_keyset_cursor

from kite_casework.application.case_access import acting_as_member, own_member_id
from kite_casework.domain.case import CaseStatus
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.intake import Channel

_SELECT = """SELECT case_id, member_id, origin_division_code, category, urgency, description, sla_tier,
                    opened_at, deadline, opened_by, status, accepted_by, accepted_at, version,
                    progress_count, pending_transfer_to, suspended, suspended_since, outcome, resolution,
                    resolved_by, resolved_at, follow_up_attempts, satisfaction, closed_at, close_reason,
                    clock_deadline, channel, source_system, external_reference, work_division_code,
                    employer_id, employer_name, employer_credit_code, posting_id, placement_id,
                    claimed_fen, recovered_fen, relief_paid_fen, funds_raised_fen, open_referrals,
                    escalation_level, supervisor_division_code, supervisor_office_id,
                    supervisor_office_name
             FROM cases"""
_DEADLINE_SCOPE = "deadline"


class CaseSort(StrEnum):
    CASE_ID = "case_id"  # registration order (case ids are UUIDv7)
    DEADLINE = "deadline"  # the queue: cases on the SLA clock by deadline (overdue first), then the rest


@dataclass(frozen=True)
class CaseFilter:
    status: CaseStatus | None = None
    category: CaseCategory | None = None
    member_id: uuid.UUID | None = None
    accepted_by: str | None = None
    overdue: bool | None = None  # unresolved and past the deadline (at `now`)
    due_before: datetime | None = None  # unresolved with a deadline before this time
    suspended: bool | None = None
    sort: CaseSort = CaseSort.CASE_ID
    employer_credit_code: str | None = None
    employer_id: uuid.UUID | None = None
    channel: Channel | None = None


async def get_case(conn: Connection, principal: Principal, case_id: uuid.UUID) -> asyncpg.Record:
    row: asyncpg.Record | None = await conn.fetchrow(_SELECT + " WHERE case_id = $1", case_id)
    # outside the jurisdiction (neither its home nor its work place), or a member's case not their
    # own, a case answers exactly as one that does not exist
    if row is None or not _visible(principal, row):
        raise NotFound("未找到该诉求", code="case-not-found")
    return row


def _visible(principal: Principal, row: asyncpg.Record) -> bool:
    work = row["work_division_code"]
    if not (principal.covers(row["origin_division_code"]) or (work is not None and principal.covers(work))):
        return False
    return not acting_as_member(principal) or row["member_id"] == own_member_id(principal)


async def list_cases(
    conn: Connection, principal: Principal, f: CaseFilter, limit: int, cursor: str | None, now: datetime
) -> tuple[list[asyncpg.Record], str | None]:
    args: list[Any] = []

    def param(value: Any) -> str:
        args.append(value)
        return f"${len(args)}"

    jurisdiction = param(principal.jurisdiction_like)
    # The same prefix as a byte-wise range (the operators of the text_pattern_ops indexes): a prepared
    # statement's generic plan cannot take index bounds from `LIKE $1`, but it can from these, so the
    # searches read the place's entries of the indexes (0019: cases on the clock by place and category)
    # instead of walking every case in id order. Division codes are digits, so every code that starts
    # with the prefix is below prefix || '~'; the LIKE stays and keeps the meaning exact.
    low, high = param(principal.jurisdiction), param(principal.jurisdiction + "~")
    where = ["true"]
    if acting_as_member(principal):
        where.append(f"member_id = {param(own_member_id(principal))}")  # no member id: nothing
    if f.employer_credit_code is not None:
        where.append(f"employer_credit_code = {param(f.employer_credit_code)}")
    if f.employer_id is not None:
        where.append(f"employer_id = {param(f.employer_id)}")
    if f.channel is not None:
        where.append(f"channel = {param(f.channel.value)}")
    if f.status is not None:
        where.append(f"status = {param(f.status.value)}")
    if f.category is not None:
        where.append(f"category = {param(f.category.value)}")
    if f.member_id is not None:
        where.append(f"member_id = {param(f.member_id)}")
    if f.accepted_by is not None:
        where.append(f"accepted_by = {param(f.accepted_by)}")
    if f.suspended is not None:
        where.append("suspended" if f.suspended else "NOT suspended")
    # `clock_deadline` is the deadline while the SLA clock runs (unresolved and not suspended), else null.
    if f.overdue is not None:
        overdue = f"clock_deadline < {param(now)}"
        where.append(overdue if f.overdue else f"({overdue}) IS NOT TRUE")
    if f.due_before is not None:
        where.append(f"clock_deadline < {param(f.due_before)}")
    if f.sort is CaseSort.DEADLINE:
        if cursor:
            after, after_id = decode_keyset_cursor(cursor, _DEADLINE_SCOPE)
            if after is None:
                where.append(f"clock_deadline IS NULL AND case_id > {param(after_id)}")
            else:
                value, last = param(after), param(after_id)
                where.append(
                    f"(clock_deadline > {value} OR (clock_deadline = {value} AND case_id > {last})"
                    " OR clock_deadline IS NULL)"
                )
        order = "clock_deadline NULLS LAST, case_id"
    else:
        if cursor:
            where.append(f"case_id > {param(decode_cursor(cursor))}")
        order = "case_id"
    limit_param = param(limit + 1)
    # A case is seen from its home place and from its work place: two index-backed branches, the
    # second leaving out what the first already has, so a case shows once.
    filters = " AND ".join(where)
    home = (
        f"origin_division_code ~>=~ {low} AND origin_division_code ~<~ {high}"
        f" AND origin_division_code LIKE {jurisdiction}"
    )
    work = (
        f"work_division_code ~>=~ {low} AND work_division_code ~<~ {high}"
        f" AND work_division_code LIKE {jurisdiction} AND origin_division_code NOT LIKE {jurisdiction}"
    )
    rows = await conn.fetch(
        f"""SELECT * FROM (({_SELECT} WHERE {home} AND {filters} ORDER BY {order} LIMIT {limit_param})
                 UNION ALL ({_SELECT} WHERE {work} AND {filters} ORDER BY {order} LIMIT {limit_param})) AS visible
            ORDER BY {order} LIMIT {limit_param}""",
        *args,
    )
    next_cursor = None
    if len(rows) > limit:
        last_row = rows[limit - 1]
        next_cursor = (
            encode_keyset_cursor(last_row["clock_deadline"], last_row["case_id"], _DEADLINE_SCOPE)
            if f.sort is CaseSort.DEADLINE
            else encode_cursor(last_row["case_id"])
        )
    return list(rows[:limit]), next_cursor


async def case_timeline(conn: Connection, principal: Principal, case_id: uuid.UUID) -> list[asyncpg.Record]:
    """Every step of a case in order; the case must be in the caller's jurisdiction."""
    await get_case(conn, principal, case_id)
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT position, kind, label, actor, at, detail FROM case_timeline
           WHERE case_id = $1 ORDER BY position""",
        case_id,
    )
    return rows

"""What the party commands and queries share: today's date where the counties are, the member a
party record is about, the branch a write names, and the party record the caller may act on."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.db.types import Connection
from kite_common.domain import NotFound, RuleViolation
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.adapters.organisation_tree import organisation_row
from kite_roster.party.domain.party import BranchInfo, PartyMember

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time


def today(now: datetime | None = None) -> date:
    """Dates (入党, 转正, 交纳) are days in China, not in UTC."""
    return (now or utcnow()).astimezone(CHINA).date()


async def member_origin(conn: Connection, principal: Principal, member_id: uuid.UUID) -> str:
    """The member's home place; 404 for an unknown member and, alike, for one outside the caller's
    jurisdiction."""
    origin: str | None = await conn.fetchval("SELECT origin_division_code FROM members WHERE member_id = $1", member_id)
    if origin is None or not principal.covers(origin):
        raise NotFound("未找到该人员", code="member-not-found")
    return origin


async def party_record_for_write(
    uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, if_match: int | None = None
) -> PartyMember:
    """The member's party stream as it stands (empty when nothing is recorded yet, which the
    decisions refuse): 404 for an unknown member or one outside the caller's jurisdiction, 412 when
    `if_match` is not its version."""
    await member_origin(uow.conn, principal, member_id)
    party = await uow.get(PartyMember, member_id)
    party.expect_version(if_match)
    return party


async def branch_for_write(
    conn: Connection, principal: Principal, organisation_id: uuid.UUID, field: str = "organisation_id"
) -> BranchInfo:
    """The branch a write names, locked against dissolution until the write commits. One that does
    not exist, or lies outside the caller's jurisdiction (answered alike), is bad input (422), not a
    missing resource."""
    row = await organisation_row(conn, organisation_id, lock="share")
    if row is None or not principal.covers(row.division_code):
        raise RuleViolation("未找到该组织", code="organisation-not-found", field=field)
    return BranchInfo(row.organisation_id, row.name, row.kind, row.dissolved, row.division_code)

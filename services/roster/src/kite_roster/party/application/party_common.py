"""What the organisation and party use cases share: today's date where the counties are, domain
refusals as problem details, If-Match, and the branch and member facts the decisions need."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from typing import Literal

from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.db.types import Connection
from kite_common.http.problems import Forbidden, NotFound, Problem, Unprocessable

from kite_roster.party.domain.organisation import OrganisationRuleViolation
from kite_roster.party.domain.organisation_events import OrganisationKind
from kite_roster.party.domain.party import BranchInfo, PartyRuleViolation

CHINA = timezone(timedelta(hours=8), "Asia/Shanghai")  # no daylight saving time


def today(now: datetime | None = None) -> date:
    """Dates (入党, 转正, 交纳) are days in China, not in UTC."""
    return (now or utcnow()).astimezone(CHINA).date()


def as_problem(exc: OrganisationRuleViolation | PartyRuleViolation) -> Problem:
    extensions = dict(getattr(exc, "extensions", {}))
    if exc.field:
        extensions["errors"] = [{"field": exc.field, "code": exc.code, "message": str(exc)}]
    return Problem(str(exc), status=exc.status, code=exc.code, **extensions)


def stale_version(current_version: int) -> Problem:
    return Problem(
        f"该记录已被他人修改（当前版本 {current_version}），请刷新后重试",
        status=412,
        code="stale-version",
        title="版本已过期",
        current_version=current_version,
    )


def check_if_match(if_match: int | None, version: int) -> None:
    if if_match is not None and if_match != version:
        raise stale_version(version)


def unknown_reference(message: str, code: str, field: str) -> Problem:
    """A request naming something that does not exist: bad input (422), not a missing resource."""
    return Unprocessable(message, code=code, errors=[{"field": field, "code": code, "message": message}])


Lock = Literal["share", "update"] | None


@dataclass(frozen=True)
class OrganisationRow:
    organisation_id: uuid.UUID
    name: str
    kind: OrganisationKind
    division_code: str
    dissolved: bool
    path: str


async def organisation_row(conn: Connection, organisation_id: uuid.UUID, lock: Lock = None) -> OrganisationRow | None:
    """The read model's row; `share` keeps it from being dissolved or moved until we commit,
    `update` keeps anyone else from hanging something under it meanwhile."""
    suffix = {None: "", "share": " FOR SHARE", "update": " FOR UPDATE"}[lock]
    row = await conn.fetchrow(
        "SELECT organisation_id, name, kind, division_code, dissolved, path FROM organisations"
        " WHERE organisation_id = $1" + suffix,
        organisation_id,
    )
    if row is None:
        return None
    return OrganisationRow(
        row["organisation_id"],
        row["name"],
        OrganisationKind(row["kind"]),
        row["division_code"],
        row["dissolved"],
        row["path"],
    )


async def branch_for_write(
    conn: Connection, principal: Principal, organisation_id: uuid.UUID, field: str = "organisation_id"
) -> BranchInfo:
    """The branch a write names, locked against dissolution until the write commits."""
    row = await organisation_row(conn, organisation_id, lock="share")
    if row is None:
        raise unknown_reference("未找到该组织", "organisation-not-found", field)
    if not principal.covers(row.division_code):
        raise Forbidden(f"“{row.name}”不在您的管辖范围内", code="outside-jurisdiction")
    return BranchInfo(row.organisation_id, row.name, row.kind, row.dissolved)


async def member_origin(conn: Connection, principal: Principal, member_id: uuid.UUID) -> str:
    """The member's home place; 404 for an unknown member, 403 outside the caller's jurisdiction."""
    origin: str | None = await conn.fetchval("SELECT origin_division_code FROM members WHERE member_id = $1", member_id)
    if origin is None:
        raise NotFound("未找到该人员", code="member-not-found")
    if not principal.covers(origin):
        raise Forbidden("该人员不在您的管辖范围内", code="outside-jurisdiction")
    return origin

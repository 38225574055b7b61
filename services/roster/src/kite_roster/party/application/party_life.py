"""Use cases of party life: org-life sessions with attendance (三会一课, 主题党日) and monthly dues."""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.events import EventPayload
from kite_common.http.problems import Conflict
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime

from kite_roster.party.application.party_common import as_problem, branch_for_write, today
from kite_roster.party.application.party_membership import party_write
from kite_roster.party.domain.party import (
    OrgLifeSession,
    PartyMember,
    PartyRuleViolation,
    SessionRequest,
    session_stream_id,
)


async def hold_session(
    runtime: ServiceRuntime, principal: Principal, organisation_id: uuid.UUID, request: SessionRequest
) -> uuid.UUID:
    session = OrgLifeSession(new_id())
    async with runtime.unit_of_work() as uow:
        conn = uow.conn
        branch = await branch_for_write(conn, principal, organisation_id)
        await _refuse_duplicate(conn, organisation_id, request)
        members = await conn.fetch(
            """SELECT member_id FROM branch_memberships
               WHERE organisation_id = $1 AND joined_on <= $2 AND (left_on IS NULL OR left_on > $2)""",
            organisation_id,
            request.held_on,
        )
        try:
            events = session.hold(branch, request, [r["member_id"] for r in members], today(), principal.subject)
        except PartyRuleViolation as exc:
            raise as_problem(exc) from exc
        try:
            await uow.append(session_stream_id(session.session_id), 0, events)
        except asyncpg.UniqueViolationError as exc:  # the same meeting, entered at the same moment elsewhere
            raise Conflict("该次组织生活已登记", code="session-exists") from exc
    return session.session_id


async def _refuse_duplicate(conn: Connection, organisation_id: uuid.UUID, request: SessionRequest) -> None:
    existing = await conn.fetchval(
        """SELECT session_id FROM org_life_sessions
           WHERE organisation_id = $1 AND kind = $2 AND held_on = $3 AND topic = $4""",
        organisation_id,
        request.kind.value,
        request.held_on,
        request.topic.strip(),
    )
    if existing is not None:
        raise Conflict(
            f"{request.held_on} 的“{request.topic.strip()}”{request.kind.label}已登记",
            code="session-exists",
            existing_session_id=str(existing),
        )


async def pay_dues(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    month: str,
    amount_fen: int,
    paid_on: date,
    correction: bool,
    note: str | None,
    if_match: int | None = None,
) -> int:
    async def decide(conn: Connection, party: PartyMember, origin: str) -> list[EventPayload]:
        return party.pay_dues(month, amount_fen, paid_on, today(), principal.subject, correction, note)

    return await party_write(runtime, principal, member_id, decide, if_match)

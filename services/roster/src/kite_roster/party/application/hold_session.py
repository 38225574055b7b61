"""Use case: record an org-life session of a branch (三会一课, 主题党日) with its attendance; everyone
in the branch on the day who is not on the list is recorded as absent."""

from __future__ import annotations

import uuid

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Conflict
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.adapters.branch_rolls import members_on, session_held
from kite_roster.party.application.party_common import branch_for_write, today
from kite_roster.party.domain.party import OrgLifeSession, SessionRequest


@command
async def hold_session(
    uow: UnitOfWork, principal: Principal, organisation_id: uuid.UUID, request: SessionRequest
) -> uuid.UUID:
    """Returns the new session's id. The same meeting (branch, kind, day, topic) is recorded once."""
    session = OrgLifeSession.create(new_id())
    try:
        async with uow:
            branch = await branch_for_write(uow.conn, principal, organisation_id)
            topic = request.topic.strip()
            existing = await session_held(uow.conn, organisation_id, request.kind, request.held_on, topic)
            if existing is not None:
                raise Conflict(
                    f"{request.held_on} 的“{topic}”{request.kind.label}已登记",
                    code="session-exists",
                    existing_session_id=str(existing),
                )
            members = await members_on(uow.conn, organisation_id, request.held_on)
            session.hold(branch, request, members, today(), principal.subject)
            await uow.save(session)
    except asyncpg.UniqueViolationError as exc:  # the same meeting, entered at the same moment elsewhere
        raise Conflict("该次组织生活已登记", code="session-exists") from exc
    return session.session_id

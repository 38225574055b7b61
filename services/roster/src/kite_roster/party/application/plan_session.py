"""Use case: a branch announces an org-life session ahead of it (会前通知): when, where and the topic.
Roster records `org-life-session-planned`; notify tells the branch's party members."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.application.party_common import branch_for_write
from kite_roster.party.domain.party import OrgLifeSession, PlanRequest
from kite_roster.party.domain.party_events import OrgLifeSessionPlanned


@command
async def plan_session(
    uow: UnitOfWork, principal: Principal, organisation_id: uuid.UUID, request: PlanRequest, now: datetime
) -> OrgLifeSessionPlanned:
    """Returns what was announced (the route answers from it, without reading it back)."""
    session = OrgLifeSession.create(new_id())
    async with uow:
        branch = await branch_for_write(uow.conn, principal, organisation_id)
        (planned,) = session.plan(branch, request, now, principal.subject)
        await uow.save(session)
    assert isinstance(planned, OrgLifeSessionPlanned)
    return planned

"""Use case: 求职登记 — record what a member of the caller's jurisdiction is looking for. The member
must be on the roster (jobs' member mirror); outside the jurisdiction they answer as unknown."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.domain.rules import MemberNotFound
from kite_jobs.domain.seeker import Seeker, SeekerDetails


@command
async def register_seeker(
    uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, details: SeekerDetails, today: date
) -> None:
    async with uow:
        origin: str | None = await uow.conn.fetchval(
            "SELECT origin_division_code FROM members WHERE member_id = $1 AND deregistered_at IS NULL", member_id
        )
        if origin is None or not principal.covers(origin):
            raise MemberNotFound()
        seeker = await uow.get(Seeker, member_id)
        if seeker.register(details, origin, principal.subject, today):
            await uow.save(seeker)

"""Use case: record that a member now works in another city or for another employer."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.runtime import ServiceRuntime

from kite_roster.members.application.member_writes import load_member, refusals, retrying
from kite_roster.members.domain.member import Relocation, stream_id


async def relocate_member(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    relocation: Relocation,
    today: date,
    if_match: int | None = None,
) -> None:
    async def attempt() -> None:
        async with runtime.unit_of_work() as uow:
            member, version = await load_member(uow, principal, member_id, if_match)
            with refusals():
                events = member.relocate(relocation, recorded_by=principal.subject, today=today)
            await uow.append(stream_id(member_id), version, events)

    await retrying(attempt)

"""Use case: deregister a member (返乡, 去世, 迁出, 其他). The record and its events stay; the member
leaves searches (unless asked for) and the ledgers, and takes no further changes."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.runtime import ServiceRuntime

from kite_roster.application.member_writes import load_member, refusals, retrying
from kite_roster.domain.member import stream_id
from kite_roster.domain.member_events import DeregistrationReason


async def deregister_member(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    reason: DeregistrationReason,
    note: str | None,
    if_match: int | None = None,
) -> None:
    async def attempt() -> None:
        async with runtime.unit_of_work() as uow:
            member, version = await load_member(uow, principal, member_id, if_match)
            with refusals():
                events = member.deregister(reason, note, deregistered_by=principal.subject)
            await uow.append(stream_id(member_id), version, events)

    await retrying(attempt)

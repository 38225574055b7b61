"""Use case: record a contact with a member; a lost member is found again by it."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.runtime import ServiceRuntime

from kite_roster.members.application.member_writes import load_member, refusals, retrying
from kite_roster.members.domain.member import stream_id
from kite_roster.members.domain.member_events import ContactChannel


async def record_contact(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    channel: ContactChannel,
    contacted_at: datetime,
    note: str | None,
    now: datetime,
) -> None:
    """Retried on a lost race, e.g. with the contact check marking the member lost at that moment:
    the contact is then stored after the loss and restores the member."""

    async def attempt() -> None:
        async with runtime.unit_of_work() as uow:
            member, version = await load_member(uow, principal, member_id)
            with refusals():
                events = member.record_contact(channel, contacted_at, note, recorded_by=principal.subject, now=now)
            await uow.append(stream_id(member_id), version, events)

    await retrying(attempt)

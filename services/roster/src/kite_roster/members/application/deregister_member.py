"""Use case: deregister a member (返乡, 去世, 迁出, 其他). The record and its events stay; the member
leaves searches (unless asked for) and the ledgers, and takes no further changes."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.application.member_writes import member_to_change
from kite_roster.members.domain.member_events import DeregistrationReason
from kite_roster.party.application.party_common import today
from kite_roster.party.domain import party


@command
async def deregister_member(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    reason: DeregistrationReason,
    note: str | None,
    if_match: int | None = None,
) -> None:
    async with uow:
        member = await member_to_change(uow, principal, member_id, if_match)
        member.deregister(reason, note, deregistered_by=principal.subject)
        await uow.save(member)
        if reason == "deceased":
            await _close_party_record(uow, member_id, principal.subject)


async def _close_party_record(uow: UnitOfWork, member_id: uuid.UUID, changed_by: str) -> None:
    """A deceased member's party record says so too, in the same transaction.

    The party record is not yet a kite_common Aggregate (the party feature is rewritten on its own),
    so its stream is read and appended through the unit of work here; once it is one, this becomes
    `uow.get(PartyMember, member_id)`, `member_died(...)` and `uow.save(...)`."""
    sid = party.stream_id(member_id)
    loaded = await uow.load(sid)
    day = today()
    events = party.PartyMember.replay(member_id, loaded.events).member_died(day, day, changed_by)
    if events:
        await uow.append(sid, loaded.version, events)

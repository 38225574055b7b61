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
from kite_roster.party.domain.party import PartyMember


@command
async def deregister_member(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    reason: DeregistrationReason,
    note: str | None,
    if_match: int | None = None,
) -> None:
    """A deceased member's party record says so too (status 去世, branches left), in the same
    transaction; a member with no party record has nothing more to change."""
    async with uow:
        member = await member_to_change(uow, principal, member_id, if_match)
        member.deregister(reason, note, deregistered_by=principal.subject)
        if reason == "deceased":
            party = await uow.get(PartyMember, member_id)
            day = today()
            party.member_died(day, day, principal.subject)
            await uow.save(member, party)
        else:
            await uow.save(member)

"""Use case: record that a member is a party member (入党日期; 预备党员 with a year of probation)."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.party.application.party_common import member_origin, today
from kite_roster.party.domain.party import PartyMember


@command
async def record_party_membership(
    uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, joined_on: date, probationary: bool
) -> None:
    async with uow:
        origin = await member_origin(uow.conn, principal, member_id)
        party = await uow.get(PartyMember, member_id)
        party.record(origin, joined_on, probationary, today(), principal.subject)
        await uow.save(party)

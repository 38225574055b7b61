"""Use case: record a contact with a member; a lost member is found again by it.

Both are retried on a lost race, e.g. with the contact check marking the member lost at that moment:
the contact is then decided again after the loss and restores the member."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.application.member_writes import member_to_change
from kite_roster.members.domain.member import Member
from kite_roster.members.domain.member_events import ContactChannel


@command
async def record_contact(
    uow: UnitOfWork,
    principal: Principal,
    member_id: uuid.UUID,
    channel: ContactChannel,
    contacted_at: datetime,
    note: str | None,
    now: datetime,
) -> None:
    """A contact a registrar records, for a member in their jurisdiction."""
    async with uow:
        member = await member_to_change(uow, principal, member_id)
        member.record_contact(channel, contacted_at, note, recorded_by=principal.subject, now=now)
        await uow.save(member)


@command
async def record_reported_contact(
    uow: UnitOfWork,
    member_id: uuid.UUID,
    channel: ContactChannel,
    contacted_at: datetime,
    note: str | None,
    recorded_by: str,
    now: datetime,
) -> None:
    """A contact another service reports (a case opened for the member): there is no caller whose
    jurisdiction to check. Raises MemberNotRegistered for a member the roster does not know and
    MemberDeregisteredError for one it no longer keeps; nothing is written then."""
    async with uow:
        member = await uow.get(Member, member_id)
        member.record_contact(channel, contacted_at, note, recorded_by=recorded_by, now=now)
        await uow.save(member)

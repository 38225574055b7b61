"""Use case: a skill the member earned elsewhere (jobs' completed training course) is added to their
skills. Another service reports it, so there is no caller whose jurisdiction to check. Raises
MemberNotRegistered for a member the roster does not know and MemberDeregisteredError for one it no
longer keeps; nothing is written then, nor when the member has the skill already."""

from __future__ import annotations

import uuid

from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.domain.member import Member


@command
async def add_earned_skill(uow: UnitOfWork, member_id: uuid.UUID, skill: str, recorded_by: str) -> bool:
    """Whether the skill was new to the member."""
    async with uow:
        member = await uow.get(Member, member_id)
        added = member.add_skill(skill, recorded_by)
        if added:
            await uow.save(member)
    return bool(added)

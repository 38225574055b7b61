"""What every change of an existing member starts with: the member as their stream leaves them, if
they exist, lie in the caller's jurisdiction and are still at the version the caller saw."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.domain.member import Member, MemberNotRegistered


async def member_to_change(
    uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, if_match: int | None = None
) -> Member:
    """404 for a member never registered or outside the caller's jurisdiction (the two answer alike,
    so ids cannot be probed), 412 when `if_match` is not the member's current version."""
    member = await uow.get(Member, member_id)
    if (
        not member.registered
        or member.origin_division_code is None
        or not principal.covers(member.origin_division_code)
    ):
        raise MemberNotRegistered()  # outside the jurisdiction a member answers as one never registered
    member.expect_version(if_match)
    return member

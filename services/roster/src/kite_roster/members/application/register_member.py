"""Use case: register a member."""

from __future__ import annotations

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Conflict, Forbidden
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.adapters.pii_vault import PersonalNumbers, PiiVault
from kite_roster.members.domain.member import Member, Registration
from kite_roster.shared.identity import normalise_id_number


@command
async def register_member(uow: UnitOfWork, vault: PiiVault, principal: Principal, reg: Registration) -> Member:
    if not principal.covers(reg.origin_division_code):
        raise Forbidden("户籍地不在您的管辖范围内，不能登记", code="outside-jurisdiction")
    member = Member.create(new_id())
    member.register(reg, registered_by=principal.subject)
    id_number = normalise_id_number(reg.id_number)
    try:
        async with uow:
            existing = await vault.find_by_id_number(uow.conn, id_number)
            if existing is not None:
                raise Conflict("该身份证号已登记", code="duplicate-id-number", existing_member_id=str(existing))
            await vault.store(uow.conn, member.member_id, PersonalNumbers(id_number, reg.phone))
            await uow.save(member)
    except asyncpg.UniqueViolationError as exc:  # a concurrent registration of the same person won
        async with uow:
            found = await vault.find_by_id_number(uow.conn, id_number)
        winner = str(found) if found else None
        raise Conflict("该身份证号已登记", code="duplicate-id-number", existing_member_id=winner) from exc
    return member

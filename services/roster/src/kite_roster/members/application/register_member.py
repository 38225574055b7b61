"""Use case: register a member."""

from __future__ import annotations

import asyncpg
from kite_common.auth import Principal
from kite_common.http.problems import Conflict, Forbidden
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime

from kite_roster.members.adapters.pii_vault import PersonalNumbers, PiiVault
from kite_roster.members.application.member_writes import refusals
from kite_roster.members.domain.member import Member, Registration, stream_id
from kite_roster.shared.identity import normalise_id_number


async def register_member(runtime: ServiceRuntime, vault: PiiVault, principal: Principal, reg: Registration) -> Member:
    if not principal.covers(reg.origin_division_code):
        raise Forbidden("户籍地不在您的管辖范围内，不能登记", code="outside-jurisdiction")
    member = Member(new_id())
    with refusals():
        events = member.register(reg, registered_by=principal.subject)
    id_number = normalise_id_number(reg.id_number)
    async with runtime.unit_of_work() as uow:
        existing = await vault.find_by_id_number(uow.conn, id_number)
        if existing is not None:
            raise Conflict("该身份证号已登记", code="duplicate-id-number", existing_member_id=str(existing))
        try:
            await vault.store(uow.conn, member.member_id, PersonalNumbers(id_number, reg.phone))
        except asyncpg.UniqueViolationError as exc:  # a concurrent registration of the same person won
            winner = await _existing_after_race(runtime, vault, id_number)
            raise Conflict("该身份证号已登记", code="duplicate-id-number", existing_member_id=winner) from exc
        await uow.append(stream_id(member.member_id), 0, events)
    for event in events:
        member.apply(event)
    return member


async def _existing_after_race(runtime: ServiceRuntime, vault: PiiVault, id_number: str) -> str | None:
    async with runtime.pool.acquire() as conn:
        found = await vault.find_by_id_number(conn, id_number)
    return str(found) if found else None

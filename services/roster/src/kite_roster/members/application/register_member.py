"""Use case: register a member."""

from __future__ import annotations

from dataclasses import dataclass

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Conflict, Forbidden
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.adapters.pii_vault import Holder, PersonalNumbers, PiiVault
from kite_roster.members.domain.member import Member, Registration
from kite_roster.shared.identity import normalise_id_number


@dataclass(frozen=True)
class RegisteredMember:
    """What the registration wrote: the member, its member-registered event as stored (time,
    version) and the personal numbers it stored — enough to answer without reading the row back."""

    member: Member
    event: EventEnvelope
    numbers: PersonalNumbers


@command
async def register_member(
    uow: UnitOfWork, vault: PiiVault, principal: Principal, reg: Registration
) -> RegisteredMember:
    if not principal.covers(reg.origin_division_code):
        raise Forbidden("户籍地不在您的管辖范围内，不能登记", code="outside-jurisdiction")
    member = Member.create(new_id())
    member.register(reg, registered_by=principal.subject)
    id_number = normalise_id_number(reg.id_number)
    numbers = PersonalNumbers(id_number, reg.phone)
    async with uow:
        # The numbers go in the statement that appends the event; one already held writes nothing there,
        # and then nothing of this registration is kept (the unit of work rolls back).
        stored = uow.add_write(vault.storing(member.member_id, numbers))
        (event,) = await uow.save(member)
        if not stored.rows:
            raise already_registered(principal, await vault.holder_of(uow.conn, id_number))
    return RegisteredMember(member, event, numbers)


def already_registered(principal: Principal, holder: Holder | None) -> Conflict:
    """409 for an ID number someone holds. The holder's member id only when the caller's jurisdiction
    covers them: outside it, the answer says no more than that the person is registered elsewhere, so
    the ID number is no lookup of anyone's record."""
    if holder is not None and holder.origin_division_code and principal.covers(holder.origin_division_code):
        return Conflict("该身份证号已登记", code="duplicate-id-number", existing_member_id=str(holder.member_id))
    return Conflict("该身份证号已在其他地区登记，请联系其所在地区核实", code="duplicate-id-number")

"""Use case: register an employer in the caller's jurisdiction; one employer per credit code.
The contacts' phones are stored encrypted in the same transaction as the event."""

from __future__ import annotations

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Conflict, Forbidden
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.adapters.employer_contacts import ContactPhones
from kite_jobs.application.queries import employer_id_by_credit_code
from kite_jobs.domain.employer import Employer, EmployerDetails

DUPLICATE = "该统一社会信用代码已登记"


@command
async def register_employer(
    uow: UnitOfWork, principal: Principal, details: EmployerDetails, phones: ContactPhones
) -> Employer:
    employer = Employer.create(new_id())
    sealed = employer.register(details, principal.subject, [new_id() for _ in details.contacts])
    if not principal.covers(details.area_division_code):
        raise Forbidden("不能在本辖区以外登记用人单位", code="outside-jurisdiction")
    uscc = employer.unified_social_credit_code
    async with uow:
        if uscc is not None:
            existing = await employer_id_by_credit_code(uow.conn, uscc)
            if existing is not None:
                raise Conflict(DUPLICATE, code="duplicate-employer", existing_employer_id=str(existing))
        try:
            await uow.save(employer)
        except asyncpg.UniqueViolationError as exc:  # a concurrent registration of the same code won
            raise Conflict(DUPLICATE, code="duplicate-employer") from exc
        await phones.store(uow.conn, employer.employer_id, sealed)
    return employer

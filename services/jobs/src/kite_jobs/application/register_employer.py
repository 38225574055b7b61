"""Use case: register an employer; one employer per unified social credit code."""

from __future__ import annotations

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Conflict
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.application.queries import employer_id_by_credit_code
from kite_jobs.domain.employer import Employer, EmployerDetails

DUPLICATE = "该统一社会信用代码已登记"


@command
async def register_employer(uow: UnitOfWork, principal: Principal, details: EmployerDetails) -> Employer:
    employer = Employer.create(new_id())
    employer.register(details, registered_by=principal.subject)
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
    return employer

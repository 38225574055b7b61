"""Use case: register an employer."""

from __future__ import annotations

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.http.problems import Conflict
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime

from kite_jobs.application.errors import unprocessable
from kite_jobs.domain.employer import Employer, EmployerDetails, stream_id
from kite_jobs.domain.rules import JobsRuleViolation


async def register_employer(runtime: ServiceRuntime, principal: Principal, details: EmployerDetails) -> Employer:
    employer = Employer(new_id())
    try:
        events = employer.register(details, registered_by=principal.subject)
    except JobsRuleViolation as exc:
        raise unprocessable(exc, "invalid-employer") from exc
    for event in events:
        employer.apply(event)
    uscc = employer.unified_social_credit_code
    async with runtime.unit_of_work() as uow:
        if uscc is not None:
            await _refuse_duplicate(uow.conn, uscc)
        try:
            await uow.append(stream_id(employer.employer_id), 0, events)
        except asyncpg.UniqueViolationError as exc:  # a concurrent registration of the same code won
            raise Conflict("该统一社会信用代码已登记", code="duplicate-employer") from exc
    return employer


async def _refuse_duplicate(conn: Connection, uscc: str) -> None:
    existing = await conn.fetchval("SELECT employer_id FROM employers WHERE unified_social_credit_code = $1", uscc)
    if existing is not None:
        raise Conflict("该统一社会信用代码已登记", code="duplicate-employer", existing_employer_id=str(existing))

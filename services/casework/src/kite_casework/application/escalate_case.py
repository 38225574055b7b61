"""Use case: a supervisor escalates a case by hand (四级联动) with a reason: the nearest level above the
case's present one that has an office takes over supervision, and the case gets a new deadline."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.adapters.escalation_offices import next_office
from kite_casework.application.case_access import case_in_jurisdiction


@command
async def escalate_case(
    uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, reason: str, if_match: int | None, now: datetime
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        assert case.origin_division_code is not None
        office = await next_office(uow.conn, case.origin_division_code, case.level)
        case.escalate(principal.subject, reason, office, now)
        await uow.save(case)

"""Use case: the owner hands a case over (转办) to another caseworker, with a reason; the
owner keeps it until the receiver accepts."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def request_transfer(
    uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, to: str, reason: str, if_match: int | None, now: datetime
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.request_transfer(principal.subject, to, reason, now)
        await uow.save(case)

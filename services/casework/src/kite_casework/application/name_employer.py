"""Use case: name the employer of a labour case (a jobs employer id, or name and unified social
credit code) and the posting or placement it arose from."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction
from kite_casework.application.employer_to_name import employer_to_name
from kite_casework.domain.employer import EmployerLink


@command
async def name_employer(
    uow: UnitOfWork,
    principal: Principal,
    case_id: uuid.UUID,
    link: EmployerLink,
    if_match: int | None,
    now: datetime,
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.name_employer(principal.subject, await employer_to_name(uow.conn, link), now)
        await uow.save(case)

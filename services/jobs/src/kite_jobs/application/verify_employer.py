"""Use case: an HR station (role hr-station) marks an employer of its jurisdiction verified."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.application.access import employer_in_jurisdiction


@command
async def verify_employer(
    uow: UnitOfWork, principal: Principal, employer_id: uuid.UUID, note: str | None, if_match: int | None
) -> None:
    async with uow:
        employer = await employer_in_jurisdiction(uow, principal, employer_id)
        employer.expect_version(if_match)
        if employer.verify(principal.subject, note):
            await uow.save(employer)

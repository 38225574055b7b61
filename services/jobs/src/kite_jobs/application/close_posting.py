"""Use case: close a posting (招满或停招); a closed posting is matched and placed no more."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.application.access import posting_in_jurisdiction


@command
async def close_posting(
    uow: UnitOfWork, principal: Principal, posting_id: uuid.UUID, reason: str | None, if_match: int | None
) -> None:
    async with uow:
        posting = await posting_in_jurisdiction(uow, principal, posting_id)
        posting.expect_version(if_match)
        if posting.close(principal.subject, reason):
            await uow.save(posting)

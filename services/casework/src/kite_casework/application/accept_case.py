"""Use case: accept a case (首问责任制). The first to accept owns it; the write is guarded by the
stream version, so of two concurrent accepts exactly one is stored: the loser's command is decided
again on the fresh stream and hears who owns the case (409), or, with `if_match`, that its version
is stale (412). Nothing is ever overwritten."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def accept_case(
    uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, if_match: int | None, now: datetime
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)  # outside it: 404 as for no case
        case.expect_version(if_match)
        case.accept(principal.subject, now)
        await uow.save(case)

"""Use case: note progress (办理进展) on a case; only its owner, not while suspended. The first
note moves an accepted or reopened case to 办理中."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_casework.application.case_access import case_in_jurisdiction


@command
async def add_progress_note(
    uow: UnitOfWork, principal: Principal, case_id: uuid.UUID, note: str, if_match: int | None, now: datetime
) -> None:
    async with uow:
        case = await case_in_jurisdiction(uow, principal, case_id)
        case.expect_version(if_match)
        case.note_progress(principal.subject, note, now)
        await uow.save(case)

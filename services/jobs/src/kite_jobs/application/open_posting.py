"""Use case: open a posting for a registered employer."""

from __future__ import annotations

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import RuleViolation
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.domain.employer import Employer
from kite_jobs.domain.posting import Posting, PostingDetails


@command
async def open_posting(uow: UnitOfWork, principal: Principal, details: PostingDetails) -> Posting:
    posting = Posting.create(new_id())
    posting.open(details, opened_by=principal.subject)
    async with uow:
        employer = await uow.get(Employer, details.employer_id)
        if not employer.registered:
            raise RuleViolation(
                "用人单位不存在，请先登记用人单位",
                code="unknown-employer",
                errors=[{"field": "employer_id", "code": "unknown", "message": "用人单位不存在"}],
            )
        await uow.save(posting)
    return posting

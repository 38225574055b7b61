"""Use case: open a posting for an employer the caller's jurisdiction keeps; the posting belongs to
the same jurisdiction."""

from __future__ import annotations

from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import NotFound, RuleViolation
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.application.access import employer_in_jurisdiction
from kite_jobs.domain.posting import Posting, PostingDetails


@command
async def open_posting(uow: UnitOfWork, principal: Principal, details: PostingDetails, today: date) -> Posting:
    posting = Posting.create(new_id())
    async with uow:
        try:
            employer = await employer_in_jurisdiction(uow, principal, details.employer_id)
        except NotFound as exc:
            raise RuleViolation(
                "用人单位不存在，请先登记用人单位",
                code="unknown-employer",
                errors=[{"field": "employer_id", "code": "unknown", "message": "用人单位不存在"}],
            ) from exc
        posting.open(details, employer.area_division_code, principal.subject, today)
        await uow.save(posting)
    return posting

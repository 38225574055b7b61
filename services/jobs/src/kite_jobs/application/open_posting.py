"""Use case: open a posting for a registered employer."""

from __future__ import annotations

from kite_common.auth import Principal
from kite_common.http.problems import Unprocessable
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime

from kite_jobs.application.errors import unprocessable
from kite_jobs.domain import employer as employers
from kite_jobs.domain.employer import Employer
from kite_jobs.domain.posting import Posting, PostingDetails, stream_id
from kite_jobs.domain.rules import JobsRuleViolation


async def open_posting(runtime: ServiceRuntime, principal: Principal, details: PostingDetails) -> Posting:
    posting = Posting(new_id())
    try:
        events = posting.open(details, opened_by=principal.subject)
    except JobsRuleViolation as exc:
        raise unprocessable(exc, "invalid-posting") from exc
    async with runtime.unit_of_work() as uow:
        loaded = await uow.load(employers.stream_id(details.employer_id))
        if not Employer.replay(details.employer_id, loaded.events).registered:
            raise Unprocessable(
                "用人单位不存在，请先登记用人单位",
                code="unknown-employer",
                errors=[{"field": "employer_id", "code": "unknown", "message": "用人单位不存在"}],
            )
        await uow.append(stream_id(posting.posting_id), 0, events)
    for event in events:
        posting.apply(event)
    return posting

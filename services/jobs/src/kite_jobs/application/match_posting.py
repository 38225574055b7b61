"""Use case: match a posting to job-seekers inside the caller's jurisdiction.

Load the posting, let SQL find the best candidates not yet matched (household priority, then points),
let the posting decide and explain, save one job-matched per new match with the stream version as the
guard. A concurrent match of the same posting makes the save conflict; `@command` decides again on
the fresh stream (which then excludes what the other call matched), and the conflict goes up (409)
only if it persists.
"""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.adapters.candidates import candidate_of, candidates_for_posting
from kite_jobs.application.access import posting_in_jurisdiction
from kite_jobs.domain.events import JobMatched

MATCH_CAP = 200  # matches per call


@command
async def match_posting(
    uow: UnitOfWork, principal: Principal, posting_id: uuid.UUID, today: date, limit: int = MATCH_CAP
) -> list[JobMatched]:
    async with uow:
        posting = await posting_in_jurisdiction(uow, principal, posting_id)
        assert posting.terms is not None
        rows = []
        if posting.is_open_on(today):
            rows = await candidates_for_posting(
                uow.conn, posting_id, posting.terms, principal.jurisdiction_like, today, min(limit, MATCH_CAP)
            )
        matched = posting.match([candidate_of(r) for r in rows], principal.subject, today, limit)
        if matched:
            await uow.save(posting)
    return matched

"""Use case: match a posting to members inside the caller's jurisdiction.

Load the posting, search candidates, let the posting decide, save one job-matched per new match
with the stream version as the guard. A concurrent match of the same posting makes the save
conflict; `@command` decides again on the fresh stream (which then excludes what the other call
matched), and the conflict goes up (409) only if it persists.
"""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import NotFound
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.adapters.candidates import find_candidates
from kite_jobs.domain.events import JobMatched
from kite_jobs.domain.posting import Posting

MATCH_CAP = 200  # candidates per match call


@command
async def match_posting(uow: UnitOfWork, principal: Principal, posting_id: uuid.UUID) -> list[JobMatched]:
    async with uow:
        posting = await uow.get(Posting, posting_id)
        if not posting.opened:
            raise NotFound("未找到该岗位", code="posting-not-found")
        candidates = await find_candidates(
            uow.conn, posting_id, posting.city, posting.skills_required, principal.jurisdiction_like, MATCH_CAP
        )
        matched = posting.match(candidates, matched_by=principal.subject, limit=MATCH_CAP)
        await uow.save(posting)
    return matched

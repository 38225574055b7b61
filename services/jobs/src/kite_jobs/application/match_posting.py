"""Use case: match a posting to members inside the caller's jurisdiction.

Load the posting, search candidates, let the posting decide, append one job-matched per new match
with the stream version as the guard. A concurrent match of the same posting makes the append
conflict; we decide again on the fresh stream (which then excludes what the other call matched),
and answer 409 only if the conflicts persist.
"""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.eventstore import ConcurrencyConflict
from kite_common.http.problems import NotFound
from kite_common.runtime import ServiceRuntime

from kite_jobs.adapters.candidates import find_candidates
from kite_jobs.domain.events import JobMatched
from kite_jobs.domain.posting import Posting, stream_id

MATCH_CAP = 200  # candidates per match call
ATTEMPTS = 3


async def match_posting(runtime: ServiceRuntime, principal: Principal, posting_id: uuid.UUID) -> list[JobMatched]:
    for attempt in range(1, ATTEMPTS + 1):
        try:
            return await _match_once(runtime, principal, posting_id)
        except ConcurrencyConflict:
            if attempt == ATTEMPTS:
                raise
    raise AssertionError("unreachable")


async def _match_once(runtime: ServiceRuntime, principal: Principal, posting_id: uuid.UUID) -> list[JobMatched]:
    async with runtime.unit_of_work() as uow:
        loaded = await uow.load(stream_id(posting_id))
        posting = Posting.replay(posting_id, loaded.events)
        if not posting.opened:
            raise NotFound("未找到该岗位", code="posting-not-found")
        candidates = await find_candidates(
            uow.conn, posting_id, posting.city, posting.skills_required, principal.jurisdiction_like, MATCH_CAP
        )
        events = posting.match(candidates, matched_by=principal.subject, limit=MATCH_CAP)
        if events:
            await uow.append(loaded.stream_id, loaded.version, events)
    return [e for e in events if isinstance(e, JobMatched)]

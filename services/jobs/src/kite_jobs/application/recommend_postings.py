"""Query: the best open postings for one job-seeker — the other way round of matching. The postings are
those the caller's jurisdiction keeps; each comes with its score parts. Reading changes nothing."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

import asyncpg
from kite_common.auth import Principal
from kite_common.db.types import Connection

from kite_jobs.adapters.candidates import candidate_of, postings_for_seeker, seeker_candidate
from kite_jobs.domain.matching import Candidate, Match, PostingTerms, evaluate
from kite_jobs.domain.rules import MemberNotFound


@dataclass(frozen=True)
class Recommendation:
    posting: asyncpg.Record
    match: Match


def terms_of(row: asyncpg.Record) -> PostingTerms:
    return PostingTerms(
        skills_required=tuple(row["skills_required"]),
        place_division_code=row["place_division_code"],
        wage_min_fen=row["wage_min_fen"],
        wage_max_fen=row["wage_max_fen"],
        opens_on=row["opens_on"] or date.min,
        closes_on=row["closes_on"] or date.max,
        age_min=row["age_min"],
        age_max=row["age_max"],
        certificates_required=tuple(row["certificates_required"]),
    )


async def recommend_postings(
    conn: Connection, principal: Principal, member_id: uuid.UUID, today: date, limit: int
) -> tuple[Candidate, list[Recommendation]]:
    row = await seeker_candidate(conn, member_id)
    if row is None or not principal.covers(row["origin_division_code"]):
        raise MemberNotFound()
    candidate = candidate_of(row)
    found = []
    for posting in await postings_for_seeker(conn, candidate, principal.jurisdiction_like, today, limit):
        match = evaluate(terms_of(posting), candidate, today)
        if match is not None:  # SQL and the domain agree on who fits; this only guards the explanation
            found.append(Recommendation(posting, match))
    found.sort(key=lambda r: (-r.match.points, r.posting["posting_id"]))
    return candidate, found

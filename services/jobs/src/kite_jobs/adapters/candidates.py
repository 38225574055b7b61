"""Candidate search for matching, in SQL: indexes narrow a province's members (or postings) to the
rows that meet every hard requirement, the score and the household priority are computed on those
rows only, and the best `limit` of them come back. Nothing is loaded whole.

The points here are domain/matching.py's, said in SQL (integer arithmetic, so both round alike); the
domain scores the returned rows again to explain them, and a test holds the two equal.
"""

from __future__ import annotations

import uuid
from datetime import date

import asyncpg
from kite_common.db.types import Connection

from kite_jobs.domain.matching import Candidate, PostingTerms, as_of_for
from kite_jobs.domain.priority import Priority

# Employed: roster records an employer for the member, or jobs holds a placement of theirs not ended.
# Deregistered members count for nobody.
EMPLOYED = """(nullif(btrim(ym.employer), '') IS NOT NULL
    OR EXISTS (SELECT 1 FROM placements pl WHERE pl.member_id = ym.member_id AND pl.left_on IS NULL))"""

# The member's household priority tier (domain/priority.py); 3 when they belong to no known household.
PRIORITY = f"""
CROSS JOIN LATERAL (
    SELECT coalesce(min(CASE WHEN NOT (h.poverty_registered OR h.monitored) THEN 3
                             WHEN e.earners = 0 THEN 1 WHEN e.earners = 1 THEN 2 ELSE 3 END), 3) AS priority
    FROM household_members hm
    JOIN households h USING (household_id)
    CROSS JOIN LATERAL (
        SELECT count(*) AS earners FROM household_members y JOIN members ym USING (member_id)
        WHERE y.household_id = hm.household_id AND ym.deregistered_at IS NULL AND {EMPLOYED}
    ) e
    WHERE hm.member_id = s.member_id
) t"""

_FOR_POSTING = f"""
SELECT s.member_id, s.origin_division_code, m.birth_year, m.skills, s.desired_division_code,
       s.willing_to_move, s.expected_wage_fen, s.certificates, s.available_from, t.priority,
       40 * cardinality(ARRAY(SELECT unnest(m.skills) INTERSECT SELECT unnest($3::text[]))) / cardinality($3::text[])
       + CASE WHEN s.desired_city = $2 THEN 30 WHEN left(s.desired_division_code, 2) = left($2, 2) THEN 20 ELSE 10 END
       + CASE WHEN s.expected_wage_fen <= $11 THEN 20
              ELSE (20 * ($4 - s.expected_wage_fen) / ($4 - $11))::int END
       + CASE WHEN s.available_from <= $12 THEN 10 ELSE 5 END AS points
FROM seekers s
JOIN members m USING (member_id)
{PRIORITY}
WHERE s.origin_division_code LIKE $1
  AND (s.desired_city = $2 OR s.willing_to_move)
  AND m.deregistered_at IS NULL
  AND m.skills && $3::text[]
  AND s.expected_wage_fen <= $4
  AND s.certificates @> $5::text[]
  AND s.available_from <= $6
  AND ($7::int IS NULL OR $9 - m.birth_year >= $7)
  AND ($8::int IS NULL OR $9 - m.birth_year <= $8)
  AND NOT EXISTS (SELECT 1 FROM matches x WHERE x.posting_id = $10 AND x.member_id = s.member_id)
ORDER BY t.priority, points DESC, s.member_id
LIMIT $13
"""


def candidate_of(row: asyncpg.Record) -> Candidate:
    return Candidate(
        member_id=row["member_id"],
        origin_division_code=row["origin_division_code"],
        birth_year=row["birth_year"],
        skills=tuple(row["skills"]),
        desired_division_code=row["desired_division_code"],
        willing_to_move=row["willing_to_move"],
        expected_wage_fen=row["expected_wage_fen"],
        certificates=tuple(row["certificates"]),
        available_from=row["available_from"],
        priority=Priority(row["priority"]),
    )


async def candidates_for_posting(
    conn: Connection,
    posting_id: uuid.UUID,
    terms: PostingTerms,
    jurisdiction_like: str,
    today: date,
    limit: int,
) -> list[asyncpg.Record]:
    """The best `limit` job-seekers from the jurisdiction not yet matched to the posting, with their
    priority tier and points: priority first, then points, then member id."""
    as_of = as_of_for(terms, today)
    return list(
        await conn.fetch(
            _FOR_POSTING,
            jurisdiction_like,
            terms.place_division_code[:4],
            list(terms.skills_required),
            terms.wage_max_fen,
            list(terms.certificates_required),
            terms.closes_on,
            terms.age_min,
            terms.age_max,
            as_of.year,
            posting_id,
            terms.wage_min_fen,
            as_of,
            limit,
        )
    )


_AS_OF = "greatest($2::date, coalesce(p.opens_on, $2::date))"

_FOR_SEEKER = f"""
SELECT p.*, e.name AS employer_name, e.verified AS employer_verified,
       40 * cardinality(ARRAY(SELECT unnest(p.skills_required) INTERSECT SELECT unnest($3::text[])))
          / cardinality(p.skills_required)
       + CASE WHEN left(p.place_division_code, 4) = $4 THEN 30
              WHEN left(p.place_division_code, 2) = left($4, 2) THEN 20 ELSE 10 END
       + CASE WHEN $6 <= p.wage_min_fen THEN 20
              ELSE (20 * (p.wage_max_fen - $6) / (p.wage_max_fen - p.wage_min_fen))::int END
       + CASE WHEN $9 <= {_AS_OF} THEN 10 ELSE 5 END AS points
FROM postings p
JOIN employers e USING (employer_id)
WHERE p.status = 'open'
  AND p.area_division_code LIKE $1
  AND p.skills_required && $3::text[]
  AND (p.closes_on IS NULL OR p.closes_on >= $2)
  AND (left(p.place_division_code, 4) = $4 OR $5::boolean)
  AND p.wage_max_fen >= $6
  AND p.certificates_required <@ $7::text[]
  AND (p.age_min IS NULL OR extract(year FROM {_AS_OF})::int - $8 >= p.age_min)
  AND (p.age_max IS NULL OR extract(year FROM {_AS_OF})::int - $8 <= p.age_max)
  AND (p.closes_on IS NULL OR $9 <= p.closes_on)
  AND p.filled_count < p.headcount
ORDER BY points DESC, p.posting_id
LIMIT $10
"""


async def postings_for_seeker(
    conn: Connection, candidate: Candidate, jurisdiction_like: str, today: date, limit: int
) -> list[asyncpg.Record]:
    """The best `limit` open postings the jurisdiction keeps for one job-seeker: points, then posting id."""
    return list(
        await conn.fetch(
            _FOR_SEEKER,
            jurisdiction_like,
            today,
            list(candidate.skills),
            candidate.desired_division_code[:4],
            candidate.willing_to_move,
            candidate.expected_wage_fen,
            list(candidate.certificates),
            candidate.birth_year,
            candidate.available_from,
            limit,
        )
    )


_SEEKER = f"""
SELECT s.member_id, s.origin_division_code, m.name, m.birth_year, m.skills, s.desired_division_code,
       s.willing_to_move, s.expected_wage_fen, s.certificates, s.available_from, t.priority
FROM seekers s
JOIN members m USING (member_id)
{PRIORITY}
WHERE s.member_id = $1 AND m.deregistered_at IS NULL
"""


async def seeker_candidate(conn: Connection, member_id: uuid.UUID) -> asyncpg.Record | None:
    """A registered job-seeker still on the roster, with their priority tier; None otherwise."""
    row: asyncpg.Record | None = await conn.fetchrow(_SEEKER, member_id)
    return row

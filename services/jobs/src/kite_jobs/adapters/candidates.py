"""Candidate search for matching, in SQL: indexes narrow a province's job-seekers (or postings) to the
rows that meet every hard requirement, the score is computed on those rows only, and the best `limit`
of them come back. Nothing is loaded whole. Job-seekers are read from `candidates` (migration 0010,
kept by adapters/employment_state.py): one row each with skills, places, wage, availability, birth
year and the household priority tier already there.

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

_FOR_POSTING = """
SELECT c.member_id, c.origin_division_code, c.desired_division_code, c.willing_to_move, c.skills, c.certificates,
       c.expected_wage_fen, c.available_from, c.birth_year, c.priority,
       40 * ({skill_hits}) / cardinality($3::text[])
       + CASE WHEN c.desired_city = $2 THEN 30 WHEN c.desired_province = left($2, 2) THEN 20 ELSE 10 END
       + CASE WHEN c.expected_wage_fen <= $9 THEN 20
              ELSE (20 * ($4 - c.expected_wage_fen) / ($4 - $9))::int END
       + CASE WHEN c.available_from <= $10 THEN 10 ELSE 5 END AS points
FROM candidates c
WHERE c.priority = {tier}
  AND c.keys && $13::text[]{home}
  AND c.keys && ARRAY['work:' || $2, 'work:anywhere']
  AND c.origin_division_code LIKE $1
  AND (c.desired_city = $2 OR c.willing_to_move)
  AND c.skills && $3::text[]
  AND c.expected_wage_fen <= $4
  AND c.certificates @> $5::text[]
  AND c.available_from <= $6
  AND c.birth_year BETWEEN $7 AND $8
  AND NOT EXISTS (SELECT 1 FROM matches x WHERE x.posting_id = $11 AND x.member_id = c.member_id)
ORDER BY points DESC, c.member_id
LIMIT $12
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
    priority tier and points: priority first, then points, then member id.

    Tier by tier: every candidate of a tier comes before anyone of the next, so once a tier has given
    `limit` rows the next ones are not read at all. Within a tier one scan of its GIN over the keys
    (migration 0010: a required skill, home in the jurisdiction, would work in the posting's city or
    anywhere) finds the rows; the other requirements are checked on those, and only the rows meeting
    them all are scored."""
    as_of = as_of_for(terms, today)
    skills = list(terms.skills_required)
    # how many required skills the member has: one containment test a skill (an expression, no subquery)
    hits = " + ".join(f"(c.skills @> ARRAY[${16 + i}::text])::int" for i in range(len(skills)))
    # the jurisdiction as a key when it is a whole level (province … village); else the LIKE alone decides
    prefix = jurisdiction_like.rstrip("%")
    home = "\n  AND c.keys @> ARRAY[$14::text]" if len(prefix) in (2, 4, 6, 9, 12) else "\n  AND $14::text IS NOT NULL"
    # every required certificate as a key too (none: no condition, an empty @> would scan the whole index)
    home += "\n  AND c.keys @> $15::text[]" if terms.certificates_required else "\n  AND $15::text[] IS NOT NULL"
    # the age range as birth years (age = the year of as_of less the birth year), so it is a plain range
    born_from = as_of.year - terms.age_max if terms.age_max is not None else 0
    born_to = as_of.year - terms.age_min if terms.age_min is not None else 9999
    found: list[asyncpg.Record] = []
    for tier in Priority:
        if len(found) >= limit:
            break
        found += await conn.fetch(
            # the tier is written into the statement (not a parameter) so the planner picks its partial index
            _FOR_POSTING.format(skill_hits=hits, tier=int(tier), home=home),
            jurisdiction_like,
            terms.place_division_code[:4],
            skills,
            terms.wage_max_fen,
            list(terms.certificates_required),
            terms.closes_on,
            born_from,
            born_to,
            terms.wage_min_fen,
            as_of,
            posting_id,
            limit - len(found),
            [f"skill:{s}" for s in skills],
            f"home:{prefix}",
            [f"certificate:{c}" for c in terms.certificates_required],
            *skills,
        )
    return found


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


_SEEKER = """
SELECT c.member_id, c.origin_division_code, c.desired_division_code, c.willing_to_move, c.skills, c.certificates,
       c.expected_wage_fen, c.available_from, c.birth_year, c.priority, m.name
FROM candidates c JOIN members m USING (member_id) WHERE c.member_id = $1
"""


async def seeker_candidate(conn: Connection, member_id: uuid.UUID) -> asyncpg.Record | None:
    """A registered job-seeker still on the roster, with their priority tier; None otherwise."""
    row: asyncpg.Record | None = await conn.fetchrow(_SEEKER, member_id)
    return row

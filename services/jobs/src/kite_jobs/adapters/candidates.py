"""Candidate search for matching, in SQL: the index narrows 20M members to a few hundred rows.

Same city AND any required skill AND origin inside the caller's jurisdiction AND still on the roster
(not deregistered) AND not yet matched to this posting; best overlap first; capped. The domain's
matching rule then decides on each row.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from kite_common.db.types import Connection

from kite_jobs.domain.matching import Candidate

_SEARCH = """
SELECT m.member_id, m.current_city, m.skills, m.origin_division_code
FROM members m
WHERE m.current_city = $1
  AND m.skills && $2::text[]
  AND m.origin_division_code LIKE $3
  AND m.deregistered_at IS NULL
  AND NOT EXISTS (SELECT 1 FROM matches x WHERE x.posting_id = $4 AND x.member_id = m.member_id)
ORDER BY cardinality(ARRAY(SELECT unnest(m.skills) INTERSECT SELECT unnest($2::text[]))) DESC, m.member_id
LIMIT $5
"""


async def find_candidates(
    conn: Connection,
    posting_id: uuid.UUID,
    city: str,
    skills_required: Sequence[str],
    jurisdiction_like: str,
    limit: int,
) -> list[Candidate]:
    rows = await conn.fetch(_SEARCH, city, list(skills_required), jurisdiction_like, posting_id, limit)
    return [Candidate(r["member_id"], r["current_city"], tuple(r["skills"]), r["origin_division_code"]) for r in rows]

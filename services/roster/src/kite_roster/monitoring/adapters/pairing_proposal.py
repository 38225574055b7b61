"""The pairing proposal for a county, in SQL: unpaired households of a year's income band matched to
cadres with room under their rule, nearest organisation first (same village, then township, then
county, by division-code prefix). A handful of set-based statements, whatever the county's size.

Level by level, nearest first; within a level narrower rules are filled first (ordinary cadres take
8,000–10,000 before leading cadres, whose band also holds those, take the rest of 6,000–10,000), so
the wider band is not used up by households the narrower one could take.
"""

from __future__ import annotations

from dataclasses import dataclass

from kite_common.db.types import Connection

from kite_roster.monitoring.domain.rules import PairingRule

LEVELS = (12, 9, 6)  # village, township, county


@dataclass(frozen=True)
class Proposal:
    household_id: str
    cadre_id: str
    division_code: str
    per_capita_fen: int
    level: int  # the prefix length household and organisation share


async def propose(conn: Connection, county: str, year: int, rules: list[PairingRule]) -> list[Proposal]:
    """Every proposed pairing in the county (in a transaction of the caller: temporary tables)."""
    like = county + "%"
    lo, hi = min(r.min_fen for r in rules), max(r.max_fen for r in rules)
    await conn.execute(
        """CREATE TEMP TABLE proposal_households ON COMMIT DROP AS
           SELECT i.household_id, i.division_code, (i.per_capita_income * 100)::bigint AS fen, false AS taken
           FROM household_incomes i
           WHERE i.year = $1 AND i.division_code LIKE $2
             AND i.per_capita_income * 100 BETWEEN $3 AND $4
             AND NOT EXISTS (SELECT 1 FROM pairings p WHERE p.household_id = i.household_id AND p.ended_on IS NULL)""",
        year,
        like,
        lo,
        hi,
    )
    await conn.execute(
        """CREATE TEMP TABLE proposal_slots ON COMMIT DROP AS
           SELECT c.cadre_id, c.rank, c.organisation_code, r.max_households - c.load AS free
           FROM cadres c JOIN pairing_rules r USING (rank)
           WHERE c.organisation_code LIKE $1 AND c.load < r.max_households""",
        like,
    )
    await conn.execute(
        """CREATE TEMP TABLE proposal (household_id uuid, cadre_id uuid, division_code text, fen bigint,
                                      level int) ON COMMIT DROP"""
    )
    for level in LEVELS:
        for rule in sorted(rules, key=lambda r: r.max_fen - r.min_fen):
            await conn.execute(
                """WITH h AS (
                       SELECT household_id, division_code, fen, left(division_code, $4) AS g,
                              row_number() OVER (PARTITION BY left(division_code, $4) ORDER BY fen, household_id) AS n
                       FROM proposal_households WHERE NOT taken AND fen BETWEEN $2 AND $3),
                   s AS (
                       SELECT cadre_id, left(organisation_code, $4) AS g,
                              row_number() OVER (PARTITION BY left(organisation_code, $4) ORDER BY cadre_id, k) AS n
                       FROM proposal_slots CROSS JOIN LATERAL generate_series(1, free) AS k
                       WHERE rank = $1 AND free > 0 AND length(organisation_code) >= $4)
                   INSERT INTO proposal SELECT h.household_id, s.cadre_id, h.division_code, h.fen, $4
                   FROM h JOIN s USING (g, n)""",
                rule.rank,
                rule.min_fen,
                rule.max_fen,
                level,
            )
            await conn.execute(
                """UPDATE proposal_households h SET taken = true FROM proposal p
                   WHERE p.household_id = h.household_id AND p.level = $1 AND NOT h.taken""",
                level,
            )  # (only rows of this level and rule are new: earlier ones were taken already)
            await conn.execute(
                """UPDATE proposal_slots s SET free = s.free - used.n
                   FROM (SELECT cadre_id, count(*) AS n FROM proposal WHERE level = $1 GROUP BY cadre_id) used
                   WHERE used.cadre_id = s.cadre_id AND s.rank = $2""",
                level,
                rule.rank,
            )
    rows = await conn.fetch(
        "SELECT household_id, cadre_id, division_code, fen, level FROM proposal ORDER BY division_code, household_id"
    )
    return [
        Proposal(str(r["household_id"]), str(r["cadre_id"]), r["division_code"], r["fen"], r["level"]) for r in rows
    ]

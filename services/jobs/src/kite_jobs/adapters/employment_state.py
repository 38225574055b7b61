"""Keeps `household_employment` (who is at work in each household), the household part of the ledger
and the `candidates` read model (migration 0010) from the facts they are made of.

Every writer of such a fact calls in here after writing it, in its own transaction: the roster
consumers (a member's employer, skills, deregistration; a household's flags and members), the seekers
projection (seeker-registered) and the placements projection (member-placed, placement-ended). What
they touch is recomputed from the tables, never adjusted by guesswork:
- a household's earners and flags are counted again; the ledger gets the difference between what the
  household counted before and after (domain/ledger.py), so an event applied twice counts once;
- the candidate rows of the members concerned (and of every member of a household whose tier changed,
  and of a member whose completed course gave a certificate)
  are made again from `seekers`, `members` and the households' tiers.

One transaction at a time does this (a transaction-scoped advisory lock, taken after the fact is
written and before anything is read), so two writers touching the same household — a roster consumer
and a hire, say — never each miss the other's change: the second one reads the first's committed fact.
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable

import asyncpg
from kite_common.db.types import Connection

from kite_jobs.adapters import ledger_counts
from kite_jobs.domain.ledger import Counts, difference, household_counts, tier

LOCK_KEY = 0x6B6A6F6273  # "kjobs": one writer of household employment and candidates at a time

# Employed: roster records an employer for the member, or jobs holds a placement of theirs not ended.
# Deregistered members count for nobody.
EMPLOYED = """(nullif(btrim(ym.employer), '') IS NOT NULL
    OR EXISTS (SELECT 1 FROM placements pl WHERE pl.member_id = ym.member_id AND pl.left_on IS NULL))"""

_HOUSEHOLDS_NOW = f"""
SELECT h.household_id, h.division_code, h.poverty_registered OR h.monitored AS priority,
       (SELECT count(*)::int FROM household_members y JOIN members ym USING (member_id)
        WHERE y.household_id = h.household_id AND ym.deregistered_at IS NULL AND {EMPLOYED}) AS earners
FROM households h WHERE h.household_id = ANY($1::uuid[])
"""

# The candidate row of each given member who is a job-seeker still on the roster; the tier is the best
# one their 建档立卡/monitored households give (3 when none). Their certificates are those they declared
# and those their completed courses gave.
_CANDIDATES_NOW = """
INSERT INTO candidates (member_id, origin_division_code, desired_division_code, willing_to_move, skills,
                        certificates, expected_wage_fen, available_from, birth_year, priority)
SELECT s.member_id, s.origin_division_code, s.desired_division_code, s.willing_to_move, m.skills,
       s.certificates || ARRAY(SELECT DISTINCT e.certificate FROM enrolments e
                               WHERE e.member_id = s.member_id AND e.completed_on IS NOT NULL
                                 AND e.certificate IS NOT NULL AND e.certificate <> ALL (s.certificates)
                               ORDER BY e.certificate),
       s.expected_wage_fen, s.available_from, m.birth_year,
       coalesce((SELECT min(CASE WHEN he.earners = 0 THEN 1 WHEN he.earners = 1 THEN 2 ELSE 3 END)
                 FROM household_members hm JOIN household_employment he USING (household_id)
                 WHERE hm.member_id = s.member_id AND he.priority), 3)
FROM seekers s JOIN members m USING (member_id)
WHERE s.member_id = ANY($1::uuid[]) AND m.deregistered_at IS NULL
"""


async def _lock(conn: Connection) -> None:
    await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)


async def members_changed(conn: Connection, member_ids: Iterable[uuid.UUID]) -> None:
    """Something that decides whether these members are employed, or their candidate rows, changed."""
    members = list(dict.fromkeys(member_ids))
    await _lock(conn)
    homes = await conn.fetch(
        "SELECT DISTINCT household_id FROM household_members WHERE member_id = ANY($1::uuid[])", members
    )
    await _settle(conn, [r["household_id"] for r in homes], members)


async def households_changed(
    conn: Connection, household_ids: Iterable[uuid.UUID], members: Iterable[uuid.UUID] = ()
) -> None:
    """A household's flags or members changed (`members`: those who joined or left it)."""
    await _lock(conn)
    await _settle(conn, list(dict.fromkeys(household_ids)), list(dict.fromkeys(members)))


async def refresh_candidates(conn: Connection, member_ids: Iterable[uuid.UUID]) -> None:
    """A job-seeker registration changed: make these members' candidate rows again."""
    await _lock(conn)
    await _remake_candidates(conn, list(dict.fromkeys(member_ids)))


async def _settle(conn: Connection, household_ids: list[uuid.UUID], members: list[uuid.UUID]) -> None:
    before = {
        r["household_id"]: r
        for r in await conn.fetch(
            "SELECT * FROM household_employment WHERE household_id = ANY($1::uuid[]) ORDER BY household_id FOR UPDATE",
            household_ids,
        )
    }
    after = {r["household_id"]: r for r in await conn.fetch(_HOUSEHOLDS_NOW, household_ids)}
    was: Counts = Counter()
    now: Counts = Counter()
    retiered = []
    for hid in household_ids:
        old, new = before.get(hid), after.get(hid)
        if old is not None:
            was += household_counts(old["division_code"], old["priority"], old["earners"])
        if new is not None:
            now += household_counts(new["division_code"], new["priority"], new["earners"])
        if _tier(old) != _tier(new):
            retiered.append(hid)
    gone = [hid for hid in before if hid not in after]
    if gone:
        await conn.execute("DELETE FROM household_employment WHERE household_id = ANY($1::uuid[])", gone)
    changed = [r for hid, r in after.items() if before.get(hid) is None or tuple(before[hid]) != tuple(r)]
    if changed:
        await conn.executemany(
            """INSERT INTO household_employment (household_id, division_code, priority, earners)
               VALUES ($1, $2, $3, $4)
               ON CONFLICT (household_id) DO UPDATE SET division_code = EXCLUDED.division_code,
                   priority = EXCLUDED.priority, earners = EXCLUDED.earners""",
            [tuple(r) for r in changed],
        )
    delta = difference(was, now)
    if delta:
        await ledger_counts.add(conn, delta)
    if retiered:
        rows = await conn.fetch(
            "SELECT member_id FROM household_members WHERE household_id = ANY($1::uuid[])", retiered
        )
        members = list(dict.fromkeys([*members, *(r["member_id"] for r in rows)]))
    await _remake_candidates(conn, members)


def _tier(row: asyncpg.Record | None) -> int | None:
    return None if row is None else int(tier(row["priority"], row["earners"]))


async def _remake_candidates(conn: Connection, members: list[uuid.UUID]) -> None:
    if not members:
        return
    await conn.execute("DELETE FROM candidates WHERE member_id = ANY($1::uuid[])", members)
    await conn.execute(_CANDIDATES_NOW, members)

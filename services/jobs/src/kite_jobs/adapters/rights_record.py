"""SQL of the labour-rights record: one `rights_cases` row per casework case, and per employer the sums
in `employer_rights`, rewritten from that employer's cases (by index) whenever one of them changes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from kite_common.db.types import Connection

from kite_jobs.domain.rights_record import RightsCase, RightsSummary, summarise


async def find_case(conn: Connection, case_id: uuid.UUID) -> RightsCase | None:
    row = await conn.fetchrow(
        """SELECT case_id, category, employer_id, employer_credit_code, resolved, claimed_fen, recovered_fen
           FROM rights_cases WHERE case_id = $1 FOR UPDATE""",
        case_id,
    )
    return RightsCase(**dict(row)) if row is not None else None


async def add_case(conn: Connection, case: RightsCase, opened_at: object) -> None:
    await conn.execute(
        "INSERT INTO rights_cases (case_id, category, opened_at) VALUES ($1, $2, $3) ON CONFLICT (case_id) DO NOTHING",
        case.case_id,
        case.category,
        opened_at,
    )


async def save_case(conn: Connection, before: RightsCase, after: RightsCase) -> None:
    await conn.execute(
        """UPDATE rights_cases SET employer_id = $2, employer_credit_code = $3, resolved = $4, claimed_fen = $5,
               recovered_fen = $6 WHERE case_id = $1""",
        after.case_id,
        after.employer_id,
        after.employer_credit_code,
        after.resolved,
        after.claimed_fen,
        after.recovered_fen,
    )
    await summarise_employers(conn, {before.employer_id, after.employer_id})


async def employer_by_id_or_code(
    conn: Connection, employer_id: uuid.UUID | None, credit_code: str | None
) -> tuple[uuid.UUID | None, str | None]:
    """The jobs employer a case names (by id, else by credit code) and its credit code; an id jobs does
    not know is not kept (casework checked it against the employers jobs published)."""
    if employer_id is not None:
        row = await conn.fetchrow(
            "SELECT employer_id, unified_social_credit_code FROM employers WHERE employer_id = $1", employer_id
        )
        if row is not None:
            return row["employer_id"], row["unified_social_credit_code"] or credit_code
    if credit_code is not None:
        found: uuid.UUID | None = await conn.fetchval(
            "SELECT employer_id FROM employers WHERE unified_social_credit_code = $1", credit_code
        )
        return found, credit_code
    return None, None


async def link_registered_employer(conn: Connection, employer_id: uuid.UUID, credit_code: str | None) -> None:
    """An employer registered in jobs after cases named it by its credit code: they are its now."""
    if credit_code is None:
        return
    linked = await conn.fetchval(
        """WITH linked AS (UPDATE rights_cases SET employer_id = $1
               WHERE employer_id IS NULL AND employer_credit_code = $2 RETURNING 1)
           SELECT count(*) FROM linked""",
        employer_id,
        credit_code,
    )
    if linked:
        await summarise_employers(conn, {employer_id})


async def summarise_employers(conn: Connection, employer_ids: Iterable[uuid.UUID | None]) -> None:
    """Two cases of one employer may change at once (other partitions, other consumer processes): a lock
    per employer, taken before its cases are read, makes the later sum see the earlier one's case (each
    statement reads what is committed when it starts). Employers in id order, so no two wait on each other."""
    for employer_id in sorted({e for e in employer_ids if e is not None}):
        await conn.execute(
            "SELECT pg_advisory_xact_lock(hashtextextended('employer_rights:' || $1::uuid::text, 0))", employer_id
        )
        rows = await conn.fetch(
            """SELECT case_id, category, employer_id, employer_credit_code, resolved, claimed_fen, recovered_fen
               FROM rights_cases WHERE employer_id = $1""",
            employer_id,
        )
        s = summarise(RightsCase(**dict(r)) for r in rows)
        await conn.execute(
            """INSERT INTO employer_rights (employer_id, open_cases, resolved_cases, open_wage_cases, claimed_fen,
                   recovered_fen, outstanding_fen) VALUES ($1,$2,$3,$4,$5,$6,$7)
               ON CONFLICT (employer_id) DO UPDATE SET open_cases = EXCLUDED.open_cases,
                   resolved_cases = EXCLUDED.resolved_cases, open_wage_cases = EXCLUDED.open_wage_cases,
                   claimed_fen = EXCLUDED.claimed_fen, recovered_fen = EXCLUDED.recovered_fen,
                   outstanding_fen = EXCLUDED.outstanding_fen""",
            employer_id,
            s.open_cases,
            s.resolved_cases,
            s.open_wage_cases,
            s.claimed_fen,
            s.recovered_fen,
            s.outstanding_fen,
        )


async def rights_of(conn: Connection, employer_ids: list[uuid.UUID]) -> dict[uuid.UUID, RightsSummary]:
    """employer_id → its record, for all the given employers in one query (none: an empty record)."""
    if not employer_ids:
        return {}
    rows = await conn.fetch(
        """SELECT employer_id, open_cases, resolved_cases, open_wage_cases, claimed_fen, recovered_fen,
               outstanding_fen FROM employer_rights WHERE employer_id = ANY($1::uuid[])""",
        employer_ids,
    )
    return {r["employer_id"]: RightsSummary(**{k: v for k, v in dict(r).items() if k != "employer_id"}) for r in rows}

"""Several data-modifying statements sent as one: one round trip instead of one each.

A `Write` is one INSERT, UPDATE or DELETE (it may start with a WITH of its own) and its arguments,
numbered $1, $2, ... as for asyncpg. `run_writes` sends writes as the data-modifying WITH queries of
one statement, numbering their arguments on, and answers how many rows each `counted` write returned
(a counted write ends in `RETURNING`); a write alone is sent as it is. What that means, as PostgreSQL
runs a WITH:

- all the writes run, on one snapshot, in an order not defined: none of them sees the rows another
  writes, so two writes must never touch the same rows nor one read what another writes;
- they succeed or fail together: an error in any of them fails the statement (and the transaction
  it is in), as an error of a plain statement does.

Placeholders are `$n` only: no dollar-quoted text in a write's SQL.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from kite_common.db.types import Connection

_PLACEHOLDER = re.compile(r"\$(\d+)")


@dataclass(frozen=True)
class Write:
    """One data-modifying statement and its arguments. `counted`: it ends in RETURNING, and the rows
    it returns are counted (a write that may write nothing, as `ON CONFLICT DO NOTHING`, says so)."""

    sql: str
    args: tuple[Any, ...] = ()
    counted: bool = False


@lru_cache(maxsize=256)
def _renumbered(sql: str, offset: int) -> str:
    return _PLACEHOLDER.sub(lambda m: f"${int(m.group(1)) + offset}", sql) if offset else sql


@lru_cache(maxsize=256)
def _combined(shapes: tuple[tuple[str, int, bool], ...]) -> str:
    """The statement for writes of these (sql, argument count, counted) shapes: commands of one kind
    send the same statement each time, so asyncpg's statement cache keeps it prepared."""
    parts, counts, offset = [], [], 0
    for i, (sql, n_args, counted) in enumerate(shapes):
        parts.append(f"w{i} AS ({_renumbered(sql, offset)})")
        if counted:
            counts.append(f"(SELECT count(*) FROM w{i})")
        offset += n_args
    return f"WITH {', '.join(parts)} SELECT {', '.join(counts) or 'NULL'}"


async def run_writes(conn: Connection, writes: Sequence[Write]) -> list[int | None]:
    """Run `writes` in one statement; for each, the rows it returned if it is counted, else None."""
    if not writes:
        return []
    if len(writes) == 1:  # a statement of its own: no WITH to plan
        status = await conn.execute(writes[0].sql, *writes[0].args)
        return [int(status.rsplit(" ", 1)[1]) if writes[0].counted else None]
    sql = _combined(tuple((w.sql, len(w.args), w.counted) for w in writes))
    row = await conn.fetchrow(sql, *[a for w in writes for a in w.args])
    assert row is not None
    counts = iter(row)
    return [int(next(counts)) if w.counted else None for w in writes]

"""The employment ledger (就业台账) per village, township or county of the caller's jurisdiction: sums of
the pre-aggregated counts (migration 0011: per village and month for the flows, by the members' home;
per village for the households), which the projections keep as each fact changes
(adapters/ledger_counts.py, adapters/employment_state.py). A test holds it equal to a recount from the
event stores.

- people_placed: placements; employed_now: of them, not ended;
- followed_up_3m / retained_3m (and 6m): follow-ups recorded at 3 (6) months / of them still employed;
- training_completions: courses completed by members of the area;
- households_with_earner: households with at least one member employed (roster records an employer,
  or a placement not ended), and the same for 建档立卡 and monitored households (the Heshun goal: every
  such household has someone at work) beside how many such households there are.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import Forbidden


class LedgerLevel(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    VILLAGE = "village"

    @property
    def digits(self) -> int:
        return {"county": 6, "township": 9, "village": 12}[self.value]


COLUMNS: tuple[tuple[str, str], ...] = (
    ("area_division_code", "区划代码"),
    ("people_placed", "安置就业人数"),
    ("employed_now", "目前在岗人数"),
    ("followed_up_3m", "3个月回访人数"),
    ("retained_3m", "3个月仍在岗人数"),
    ("followed_up_6m", "6个月回访人数"),
    ("retained_6m", "6个月仍在岗人数"),
    ("training_completions", "培训结业人次"),
    ("households_with_earner", "有人就业的户数"),
    ("priority_households", "建档立卡及监测户数"),
    ("priority_households_with_earner", "其中有人就业的户数"),
)

_LEDGER = """
WITH f AS (
    SELECT rpad(left(division_code, $2), 12, '0') AS area,
           sum(people_placed) AS people_placed, sum(people_placed - placements_ended) AS employed_now,
           sum(followed_up_3m) AS followed_up_3m, sum(retained_3m) AS retained_3m,
           sum(followed_up_6m) AS followed_up_6m, sum(retained_6m) AS retained_6m,
           sum(training_completions) AS training_completions
    FROM ledger_months WHERE division_code LIKE $1 GROUP BY 1
), h AS (
    SELECT rpad(left(division_code, $2), 12, '0') AS area,
           sum(households_with_earner) AS households_with_earner, sum(priority_households) AS priority_households,
           sum(priority_households_with_earner) AS priority_households_with_earner
    FROM ledger_households WHERE division_code LIKE $1 GROUP BY 1
)
SELECT area AS area_division_code,
       coalesce(people_placed, 0)::int AS people_placed, coalesce(employed_now, 0)::int AS employed_now,
       coalesce(followed_up_3m, 0)::int AS followed_up_3m, coalesce(retained_3m, 0)::int AS retained_3m,
       coalesce(followed_up_6m, 0)::int AS followed_up_6m, coalesce(retained_6m, 0)::int AS retained_6m,
       coalesce(training_completions, 0)::int AS training_completions,
       coalesce(households_with_earner, 0)::int AS households_with_earner,
       coalesce(priority_households, 0)::int AS priority_households,
       coalesce(priority_households_with_earner, 0)::int AS priority_households_with_earner
FROM f FULL JOIN h USING (area)
ORDER BY area
"""


async def employment_ledger(
    conn: Connection, principal: Principal, level: LedgerLevel, area: str | None = None
) -> list[dict[str, Any]]:
    """Rows of the caller's jurisdiction, or of `area` (a division-code prefix) inside it; an area
    outside it is forbidden."""
    if area is not None and not principal.covers(area):
        raise Forbidden("不能查看本辖区以外的就业台账", code="outside-jurisdiction")
    rows = await conn.fetch(_LEDGER, (area or principal.jurisdiction) + "%", level.digits)
    return [dict(r) for r in rows]

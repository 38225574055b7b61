"""What each fact counts in the employment ledger (就业台账). Pure, no I/O.

The ledger is kept pre-aggregated: per home village and month for the flows (people placed, placements
ended, follow-ups at 3 and 6 months and those still employed, training completions), per village for
the households. A change to a fact (a placement, a follow-up, an enrolment, a household) adds to the
ledger the difference between what the fact counted before and what it counts after. So applying the
same event again changes nothing, a correction moves a count from one cell to another, and the ledger
always equals a recount of the facts.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from datetime import date

from kite_jobs.domain.priority import Priority, household_priority

# A cell of the ledger: (division code, month or None for the households part, column).
Cell = tuple[str, date | None, str]
Counts = Counter[Cell]

FLOW_COLUMNS = (
    "people_placed",
    "placements_ended",
    "followed_up_3m",
    "retained_3m",
    "followed_up_6m",
    "retained_6m",
    "training_completions",
)
HOUSEHOLD_COLUMNS = ("households_with_earner", "priority_households", "priority_households_with_earner")


def month_of(day: date) -> date:
    return day.replace(day=1)


def placement_counts(origin: str, start_date: date, left_on: date | None) -> Counts:
    """A placement counts once as placed (its start month) and, once ended, as ended (the month left)."""
    counts: Counts = Counter({(origin, month_of(start_date), "people_placed"): 1})
    if left_on is not None:
        counts[(origin, month_of(left_on), "placements_ended")] += 1
    return counts


def follow_up_counts(origin: str, month: int, recorded_on: date | None, still_employed: bool | None) -> Counts:
    """A recorded 3- or 6-month follow-up counts in the month it was made; retained when still employed."""
    if recorded_on is None or month not in (3, 6):
        return Counter()
    counts: Counts = Counter({(origin, month_of(recorded_on), f"followed_up_{month}m"): 1})
    if still_employed:
        counts[(origin, month_of(recorded_on), f"retained_{month}m")] += 1
    return counts


def completion_counts(origin: str, completed_on: date | None) -> Counts:
    if completed_on is None:
        return Counter()
    return Counter({(origin, month_of(completed_on), "training_completions"): 1})


def household_counts(division_code: str, priority: bool, earners: int) -> Counts:
    """A household counts where it lives: with someone at work, as 建档立卡/monitored, and both."""
    counts: Counts = Counter()
    if earners > 0:
        counts[(division_code, None, "households_with_earner")] += 1
    if priority:
        counts[(division_code, None, "priority_households")] += 1
        if earners > 0:
            counts[(division_code, None, "priority_households_with_earner")] += 1
    return counts


def difference(before: Mapping[Cell, int], after: Mapping[Cell, int]) -> dict[Cell, int]:
    """What to add to the ledger when a fact that counted `before` now counts `after` (zeros left out)."""
    cells = set(before) | set(after)
    changes = {c: after.get(c, 0) - before.get(c, 0) for c in sorted(cells, key=_order)}
    return {c: n for c, n in changes.items() if n}


def _order(cell: Cell) -> tuple[str, date, str]:
    return (cell[0], cell[1] or date.min, cell[2])


def tier(priority: bool, earners: int) -> Priority:
    """The matching tier a household gives its members (domain/priority.py)."""
    return household_priority(priority, earners)

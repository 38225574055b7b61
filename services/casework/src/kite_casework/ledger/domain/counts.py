"""What each fact counts in the service ledger (服务台账). Pure, no I/O.

The ledger is kept pre-aggregated: per place and month, a count per metric (migration 0020,
`service_ledger_counts`). A place is a division-code prefix at a level — the whole country (""),
province (2 digits), city (4), county (6), township (9), village (12). A case counts once in each
distinct place it has at a level: its home place and its work place (the out-station branch); when
both lie in one place, that place counts it once, so a province total never counts a case twice.

A change to a fact (a case, a certificate) adds to the ledger the difference between what the fact
counted before and what it counts after: applying an event again adds nothing, and the ledger always
equals a recount of the facts.

Medians and p90s cannot be summed, so durations are kept as histograms: a count per duration bucket
(whole seconds below 1,000 s, then the duration cut to 3 significant digits — under 1 % off). The
percentile read from a histogram is exactly percentile_cont over the bucketed durations.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from kite_casework.domain.intake import counted_places

# A cell of the ledger: (level digits, place, month, metric).
Cell = tuple[int, str, date, str]
Counts = Counter[Cell]

LEVELS = (0, 2, 4, 6, 9, 12)  # country, province, city, county, township, village
OFFICE = -1  # the level of a named office's row: its place is the office id
GOOD_SATISFACTION = ("satisfied", "neutral")  # 满意, 基本满意


@dataclass(frozen=True)
class CaseFacts:
    """What the ledger knows of one case (a row of `service_ledger_cases`)."""

    month: date
    origin_code: str
    work_code: str | None
    status: str
    category: str
    channel: str
    sla_tier: str
    accept_seconds: float | None
    resolve_seconds: float | None
    resolved_on_time: bool | None
    satisfaction: str | None
    escalations: int
    money_fen: Mapping[str, int]  # claimed, recovered, relief_paid, funds_raised
    office_id: str | None = None  # the named office that took the case, which has a ledger of its own


def places(origin_code: str, work_code: str | None = None) -> list[tuple[int, str]]:
    """The places at every level a fact counts for (`counted_places`: each distinct one once)."""
    return [(level, place) for level in LEVELS for place in sorted(counted_places(origin_code, work_code, level))]


def duration_bucket(seconds: float) -> int:
    """The histogram bucket of a duration: whole seconds below 1,000, else cut to 3 significant digits."""
    whole = max(0, math.floor(seconds))
    if whole < 1000:
        return whole
    step = int(10 ** (len(str(whole)) - 3))
    return whole // step * step


def case_metrics(f: CaseFacts) -> Counter[str]:
    """What one case counts in each of its places."""
    m: Counter[str] = Counter(
        {"cases": 1, f"status:{f.status}": 1, f"category:{f.category}": 1, f"channel:{f.channel}": 1}
    )
    if f.resolved_on_time is not None:
        m[f"resolved:{f.sla_tier}"] += 1
        if f.resolved_on_time:
            m[f"on_time:{f.sla_tier}"] += 1
    if f.accept_seconds is not None:
        m[f"accept:{duration_bucket(f.accept_seconds)}"] += 1
    if f.resolve_seconds is not None:
        m[f"resolve:{duration_bucket(f.resolve_seconds)}"] += 1
    if f.satisfaction is not None:
        m["rated"] += 1
        if f.satisfaction in GOOD_SATISFACTION:
            m["satisfied"] += 1
    m["escalations"] += f.escalations
    for kind, fen in f.money_fen.items():
        m[f"money:{kind}"] += fen
    return +m  # zeros left out (money is never negative in total)


def case_counts(f: CaseFacts | None) -> Counts:
    if f is None:
        return Counter()
    metrics = case_metrics(f)
    where = places(f.origin_code, f.work_code) + ([(OFFICE, f.office_id)] if f.office_id else [])
    return Counter({(level, place, f.month, metric): n for level, place in where for metric, n in metrics.items()})


def certificate_counts(month: date, origin_code: str, revoked: bool, office_id: str | None = None) -> Counts:
    """A certificate counts as issued in its month at its member's home place (and in the ledger of the
    named office that issued it, if one was named), and as revoked once revoked."""
    counts: Counts = Counter()
    for level, place in places(origin_code) + ([(OFFICE, office_id)] if office_id else []):
        counts[(level, place, month, "certificates_issued")] += 1
        if revoked:
            counts[(level, place, month, "certificates_revoked")] += 1
    return counts


def difference(before: Mapping[Cell, int], after: Mapping[Cell, int]) -> dict[Cell, int]:
    """What to add to the ledger when a fact that counted `before` now counts `after` (zeros left out)."""
    changes = {c: after.get(c, 0) - before.get(c, 0) for c in sorted(set(before) | set(after))}
    return {c: n for c, n in changes.items() if n}


def percentile(histogram: Mapping[int, int], p: float) -> float | None:
    """percentile_cont over the durations a histogram (bucket → count) holds: linear interpolation
    between the values at the two closest ranks."""
    total = sum(histogram.values())
    if total == 0:
        return None
    position = p * (total - 1)
    low_rank, high_rank = math.floor(position), math.ceil(position)
    low = high = None
    seen = 0
    for value in sorted(histogram):
        seen += histogram[value]
        if low is None and seen > low_rank:
            low = value
        if seen > high_rank:
            high = value
            break
    assert low is not None and high is not None
    return low + (high - low) * (position - low_rank)

"""The matching rule: who fits a posting, how well, and why. Pure, no I/O.

Hard requirements (a candidate failing one is no match): at least one required skill; the place —
the member wants to work in the posting's city (same first four digits of the division code), or is
willing to move; an expected wage not above the posting's maximum; every required certificate; the age
range when the posting sets one (age = the year of `as_of` less the birth year); available by the
closing date.

The score is integer points out of 100, made of parts that are each explained:
- skills, 40: 40 × required skills held ÷ skills required (rounded down);
- place, 30: same city 30, same province 20, elsewhere 10 (the last two only for those willing to move);
- wage, 20: 20 when the expectation is at most the posting's minimum, else
  20 × (max − expected) ÷ (max − min) (rounded down);
- availability, 10: available by `as_of` (today, or the opening day when later) 10, else 5.
Candidates are ordered by household priority first (domain/priority.py), then points, then member id.
`adapters/candidates.py` computes the same in SQL to pick the best rows without loading them all; a
test holds the two equal.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from kite_jobs.domain.events import ScorePart
from kite_jobs.domain.priority import Priority
from kite_jobs.domain.rules import same_city, same_province

SKILLS_POINTS = 40
PLACE_POINTS = {"city": 30, "province": 20, "elsewhere": 10}
WAGE_POINTS = 20
AVAILABILITY_POINTS = {"now": 10, "later": 5}


@dataclass(frozen=True)
class PostingTerms:
    skills_required: tuple[str, ...]
    place_division_code: str
    wage_min_fen: int
    wage_max_fen: int
    closes_on: date
    opens_on: date
    age_min: int | None = None
    age_max: int | None = None
    certificates_required: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know about a job-seeker."""

    member_id: uuid.UUID
    origin_division_code: str
    birth_year: int
    skills: tuple[str, ...]
    desired_division_code: str
    willing_to_move: bool
    expected_wage_fen: int
    certificates: tuple[str, ...]
    available_from: date
    priority: Priority = Priority.OTHERS


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    matched_skills: tuple[str, ...]
    parts: tuple[ScorePart, ...]

    @property
    def points(self) -> int:
        return int(sum(p.points for p in self.parts))

    @property
    def score(self) -> float:
        return self.points / 100

    @property
    def order_key(self) -> tuple[int, int, uuid.UUID]:
        return (int(self.candidate.priority), -self.points, self.candidate.member_id)


def _yuan(fen: int) -> str:
    return f"{fen // 100}元" if fen % 100 == 0 else f"{fen / 100:.2f}元"


def as_of_for(terms: PostingTerms, today: date) -> date:
    return max(today, terms.opens_on)


def evaluate(terms: PostingTerms, c: Candidate, today: date) -> Match | None:
    """The match of one candidate to a posting, or None when a hard requirement fails."""
    as_of = as_of_for(terms, today)
    required = set(terms.skills_required)
    overlap = tuple(sorted(required & set(c.skills)))
    if not overlap:
        return None
    if same_city(c.desired_division_code, terms.place_division_code):
        place, place_text = "city", "意向工作地与岗位同城"
    elif not c.willing_to_move:
        return None
    elif same_province(c.desired_division_code, terms.place_division_code):
        place, place_text = "province", "同省外市，本人愿意流动"
    else:
        place, place_text = "elsewhere", "跨省，本人愿意流动"
    if c.expected_wage_fen > terms.wage_max_fen:
        return None
    missing = set(terms.certificates_required) - set(c.certificates)
    if missing:
        return None
    age = as_of.year - c.birth_year
    if (terms.age_min is not None and age < terms.age_min) or (terms.age_max is not None and age > terms.age_max):
        return None
    if c.available_from > terms.closes_on:
        return None

    skills_points = SKILLS_POINTS * len(overlap) // len(required)
    if c.expected_wage_fen <= terms.wage_min_fen:
        wage_points = WAGE_POINTS
    else:
        span = terms.wage_max_fen - terms.wage_min_fen
        wage_points = WAGE_POINTS * (terms.wage_max_fen - c.expected_wage_fen) // span
    available = "now" if c.available_from <= as_of else "later"
    wage_range = f"{_yuan(terms.wage_min_fen)}–{_yuan(terms.wage_max_fen)}"
    age_text = f"年龄{age}岁"
    if terms.age_min is not None or terms.age_max is not None:
        age_text += f"，符合{terms.age_min or ''}–{terms.age_max or ''}岁要求"
    certs = f"；持有所需证书：{'、'.join(sorted(terms.certificates_required))}" if terms.certificates_required else ""
    parts = (
        ScorePart(
            part="skills",
            points=skills_points,
            max_points=SKILLS_POINTS,
            detail=f"具备{'、'.join(overlap)}（要求{len(required)}项中的{len(overlap)}项）",
        ),
        ScorePart(part="place", points=PLACE_POINTS[place], max_points=PLACE_POINTS["city"], detail=place_text),
        ScorePart(
            part="wage",
            points=wage_points,
            max_points=WAGE_POINTS,
            detail=f"期望月薪{_yuan(c.expected_wage_fen)}，岗位{wage_range}",
        ),
        ScorePart(
            part="availability",
            points=AVAILABILITY_POINTS[available],
            max_points=AVAILABILITY_POINTS["now"],
            detail=f"{c.available_from.isoformat()}起可上岗" + ("" if available == "now" else "（截止日前）"),
        ),
        ScorePart(part="requirements", points=0, max_points=0, detail=age_text + certs),
    )
    return Match(c, overlap, parts)


def rank(
    terms: PostingTerms,
    candidates: Iterable[Candidate],
    today: date,
    exclude: Collection[uuid.UUID] = frozenset(),
    limit: int | None = None,
) -> Sequence[Match]:
    """Matches of the candidates not excluded: household priority first, then points, then member id."""
    found: dict[uuid.UUID, Match] = {}
    for candidate in candidates:
        if candidate.member_id in exclude or candidate.member_id in found:
            continue
        match = evaluate(terms, candidate, today)
        if match is not None:
            found[candidate.member_id] = match
    ordered = sorted(found.values(), key=lambda m: m.order_key)
    return ordered if limit is None else ordered[:limit]

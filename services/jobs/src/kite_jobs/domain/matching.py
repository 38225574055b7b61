"""The matching rule, for now: same city, and a share of the required skills. Pure, no I/O."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Candidate:
    """What matching needs to know about a member."""

    member_id: uuid.UUID
    current_city: str
    skills: tuple[str, ...]
    origin_division_code: str


@dataclass(frozen=True)
class Match:
    candidate: Candidate
    matched_skills: tuple[str, ...]
    score: float


def skill_score(required: Collection[str], has: Iterable[str]) -> tuple[tuple[str, ...], float]:
    """The required skills the member has (sorted), and their share of the required ones."""
    if not required:
        return (), 0.0
    overlap = tuple(sorted(set(required) & set(has)))
    return overlap, round(len(overlap) / len(set(required)), 4)


def evaluate(city: str, required: Collection[str], candidate: Candidate) -> Match | None:
    """A match when the member works in the posting's city and has at least one required skill."""
    if candidate.current_city != city:
        return None
    overlap, score = skill_score(required, candidate.skills)
    if not overlap:
        return None
    return Match(candidate, overlap, score)


def rank(
    city: str,
    required: Collection[str],
    candidates: Iterable[Candidate],
    exclude: Collection[uuid.UUID] = frozenset(),
    limit: int | None = None,
) -> Sequence[Match]:
    """Matches of the candidates not excluded, best score first (then by member id), at most `limit`."""
    found: dict[uuid.UUID, Match] = {}
    for candidate in candidates:
        if candidate.member_id in exclude or candidate.member_id in found:
            continue
        match = evaluate(city, required, candidate)
        if match is not None:
            found[candidate.member_id] = match
    ordered = sorted(found.values(), key=lambda m: (-m.score, m.candidate.member_id))
    return ordered if limit is None else ordered[:limit]

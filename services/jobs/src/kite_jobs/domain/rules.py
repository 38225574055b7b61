"""Shared rule helpers of the jobs domain: refusals, places, skill lists."""

from __future__ import annotations

import re
from collections.abc import Iterable

_DIVISION = re.compile(r"^\d{12}$")


class JobsRuleViolation(ValueError):
    """A request the domain refuses; the message is for people (Chinese)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def is_division_code(value: str) -> bool:
    """A 12-digit statistical division code (province 2 + city 2 + county 2 + township 3 + village 3)."""
    return bool(_DIVISION.match(value)) and value[:2] != "00"


def normalise_skills(skills: Iterable[str]) -> list[str]:
    """Trimmed, de-duplicated and sorted, the way roster stores members' skills."""
    return sorted({s.strip() for s in skills if s.strip()})

"""Shared rule helpers of the jobs domain: refusals, places, skill lists."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kite_common.domain import RuleViolation

_DIVISION = re.compile(r"^[0-9]{12}$")


class JobsRuleViolation(RuleViolation):
    """A request the jobs domain refuses (422); the message is for people (Chinese).

    The problem always lists `errors`: the wrong field under code "rule" when one is named, else none.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        errors = [{"field": field, "code": "rule", "message": message}] if field else []
        super().__init__(message, field=field, errors=errors)


class EmployerRuleViolation(JobsRuleViolation):
    """An employer the domain refuses to register."""

    code = "invalid-employer"


class PostingRuleViolation(JobsRuleViolation):
    """A posting the domain refuses to open or match."""

    code = "invalid-posting"


def is_division_code(value: str) -> bool:
    """A 12-digit statistical division code (province 2 + city 2 + county 2 + township 3 + village 3)."""
    return bool(_DIVISION.match(value)) and value[:2] != "00"


def normalise_skills(skills: Iterable[str]) -> list[str]:
    """Trimmed, de-duplicated and sorted, the way roster stores members' skills."""
    return sorted({s.strip() for s in skills if s.strip()})

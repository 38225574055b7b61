"""Shared rule helpers of the jobs domain: refusals, places, lists of names."""

from __future__ import annotations

import re
from collections.abc import Iterable

from kite_common.domain import NotFound, RuleViolation

_DIVISION = re.compile(r"^[0-9]{12}$")


class JobsRuleViolation(RuleViolation):
    """A request the jobs domain refuses (422); the message is for people (Chinese).

    The problem always lists `errors`: the wrong field under code "rule" when one is named, else none.
    """

    def __init__(self, message: str, field: str | None = None, code: str | None = None) -> None:
        errors = [{"field": field, "code": "rule", "message": message}] if field else []
        super().__init__(message, code=code, field=field, errors=errors)


class EmployerRuleViolation(JobsRuleViolation):
    """An employer the domain refuses to register or change."""

    code = "invalid-employer"


class PostingRuleViolation(JobsRuleViolation):
    """A posting the domain refuses to open, close or match."""

    code = "invalid-posting"


class SeekerRuleViolation(JobsRuleViolation):
    """A job-seeker registration the domain refuses."""

    code = "invalid-seeker"


class EmployerNotFound(NotFound):
    code = "employer-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该用人单位")


class PostingNotFound(NotFound):
    code = "posting-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该岗位")


class MemberNotFound(NotFound):
    code = "member-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该人员")


def is_division_code(value: str) -> bool:
    """A 12-digit statistical division code (province 2 + city 2 + county 2 + township 3 + village 3)."""
    return bool(_DIVISION.match(value)) and value[:2] != "00"


def same_city(a: str, b: str) -> bool:
    """Two places in one prefecture-level city (地级市): the first four digits agree."""
    return a[:4] == b[:4]


def same_province(a: str, b: str) -> bool:
    return a[:2] == b[:2]


def normalise_skills(skills: Iterable[str]) -> list[str]:
    """Trimmed, de-duplicated and sorted, the way roster stores members' skills."""
    return sorted({s.strip() for s in skills if s.strip()})


def normalise_names(
    values: Iterable[str], field: str, label: str, most: int, error: type[JobsRuleViolation]
) -> list[str]:
    """A list of short names (trades, certificates) trimmed, de-duplicated and sorted; refused when
    longer than `most` entries or when one entry is over 50 characters."""
    names = normalise_skills(values)
    if len(names) > most:
        raise error(f"{label}最多{most}项", field)
    if any(len(n) > 50 for n in names):
        raise error(f"{label}每项不超过50个字", field)
    return names

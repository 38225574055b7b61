"""四级联动: the administrative levels a case climbs when it is late, by division code.

A case starts at its member's village (the 12-digit home code); each escalation moves it to the next
level above that has an office: township (9 digits) → county (6) → city (4) → province (2). Which
office supervises at a level is data (casework's `escalation_offices`), not code."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum


class AdminLevel(StrEnum):
    VILLAGE = "village"
    TOWNSHIP = "township"
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"

    @property
    def digits(self) -> int:
        return _DIGITS[self]

    @property
    def label(self) -> str:
        return _LABELS[self]

    def prefix_of(self, division_code: str) -> str:
        """The code of this level's area around a place: 522631101001 → county 522631."""
        return division_code[: self.digits]


_DIGITS = {
    AdminLevel.VILLAGE: 12,
    AdminLevel.TOWNSHIP: 9,
    AdminLevel.COUNTY: 6,
    AdminLevel.CITY: 4,
    AdminLevel.PROVINCE: 2,
}
_LABELS = {
    AdminLevel.VILLAGE: "村（社区）",
    AdminLevel.TOWNSHIP: "乡镇（街道）",
    AdminLevel.COUNTY: "县（区）",
    AdminLevel.CITY: "市（州）",
    AdminLevel.PROVINCE: "省",
}
LEVELS = list(AdminLevel)  # bottom to top


def level_of_area(area_code: str) -> AdminLevel | None:
    """The level an area code (2, 4, 6, 9 or 12 digits) names, or None."""
    return next((level for level in LEVELS if level.digits == len(area_code)), None)


def area_of(division_code: str) -> str:
    """The area a 12-digit code names: trailing zero parts dropped (522631000000 → 522631)."""
    for level in reversed(LEVELS):  # province first
        if division_code[level.digits :].strip("0") == "":
            return division_code[: level.digits]
    return division_code


def levels_above(level: AdminLevel) -> list[AdminLevel]:
    return LEVELS[LEVELS.index(level) + 1 :]


@dataclass(frozen=True)
class EscalationOffice:
    """The office that supervises cases of an area at one level."""

    level: AdminLevel
    division_code: str  # the area's code: 9 digits for a township, 6 for a county, …
    office_id: uuid.UUID
    name: str

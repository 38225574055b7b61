"""Reference data kept in the repository (see README.md here for sources and dates)."""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files

# Prefecture names the statistical codes use for "no prefecture in between".
_NO_PREFECTURE = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})


@dataclass(frozen=True)
class County:
    code: str
    name: str
    prefecture: str
    province: str

    @property
    def full_name(self) -> str:
        """贵州省黔东南苗族侗族自治州黎平县; 北京市东城区; 海南省琼海市."""
        middle = "" if self.prefecture in _NO_PREFECTURE or self.prefecture == self.name else self.prefecture
        return f"{self.province}{middle}{self.name}"


@cache
def counties() -> Mapping[str, County]:
    """Every county-level division by its 6-digit code, read once from counties.csv."""
    text = files("kite_roster.shared.reference").joinpath("counties.csv").read_text(encoding="utf-8")
    return {row["code"]: County(**row) for row in csv.DictReader(io.StringIO(text))}


@cache
def county_codes() -> frozenset[str]:
    return frozenset(counties())

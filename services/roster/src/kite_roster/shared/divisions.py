"""12-digit statistical division codes: county (6, GB/T 2260) + township (3) + village (3).

What is enforced:
- the county part must be in the national county list kept in the repo (kite_roster/shared/reference);
- the township part (GB/T 10114: 001–099 街道, 100–199 镇, 200–399 乡, 400–599 政企合一等乡级单位)
  must be 001–599, or 000 for the county itself;
- the village part (统计用区划代码编制规则: 001–199 居委会, 200–399 村委会, 400–599 类似居委会/村委会)
  must be 001–599, or 000 for the township (or county) itself;
- a village belongs to a township of its county, so a non-000 village under township 000 is refused.
Townships and villages are not looked up in a list: they change yearly and counties keep codes that
the national list does not yet have. `000` + `000` means the county itself.
"""

from __future__ import annotations

import re
from typing import Literal

from kite_roster.shared.reference import counties

Level = Literal["county", "township", "village"]

_TWELVE_DIGITS = re.compile(r"[0-9]{12}")
_MAX_PART = 599


def division_problem(code: str) -> str | None:
    """Why `code` is not a usable 12-digit division code (Chinese, for people), or None when it is."""
    if not _TWELVE_DIGITS.fullmatch(code):
        return "区划代码应为12位数字"
    county, township, village = code[:6], int(code[6:9]), int(code[9:12])
    if county not in counties():
        return f"未知的县级区划代码 {county}"
    if township > _MAX_PART:
        return f"乡级代码 {code[6:9]} 超出范围（应为001–599，000表示县本级）"
    if village > _MAX_PART:
        return f"村级代码 {code[9:12]} 超出范围（应为001–599，000表示乡本级）"
    if township == 0 and village != 0:
        return f"村级代码 {code[9:12]} 必须隶属于一个乡级区划（乡级代码不能为000）"
    return None


def is_valid(code: str) -> bool:
    return division_problem(code) is None


def level_of(code: str) -> Level:
    """Which level a valid code names: the county itself, a township, or a village."""
    if code[6:] == "000000":
        return "county"
    return "township" if code[9:] == "000" else "village"


def county_name(code: str) -> str | None:
    """The full name of the county a code (6 or more digits) lies in, e.g. 贵州省黔东南苗族侗族自治州黎平县."""
    county = counties().get(code[:6])
    return county.full_name if county else None

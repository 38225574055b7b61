"""Division codes against the national county list kept in the repo."""

from __future__ import annotations

import pytest
from kite_roster.shared.divisions import county_name, division_problem, level_of
from kite_roster.shared.identity import is_division_code
from kite_roster.shared.reference import counties


def test_the_county_list_holds_every_county_once_with_its_prefecture_and_province():
    table = counties()
    assert len(table) > 2800
    assert all(len(code) == 6 and code.isdigit() for code in table)
    liping, rongjiang = table["522631"], table["522632"]
    assert (liping.name, liping.prefecture, liping.province) == ("黎平县", "黔东南苗族侗族自治州", "贵州省")
    assert rongjiang.name == "榕江县"
    assert table["520102"].name == "南明区"
    assert all(c.province.endswith(("省", "市", "自治区")) for c in table.values())


@pytest.mark.parametrize(
    "code",
    [
        "522631101001",  # a village (居委会) of a town of 黎平县
        "522631104203",  # a 村委会
        "522632101000",  # a town of 榕江县 itself
        "522631000000",  # the county itself
        "520102001001",  # a 街道 of 南明区
        "441900003001",  # 东莞市: towns directly under a prefecture-level city
        "522631599599",  # upper ends of GB/T 10114 and the village ranges
    ],
)
def test_known_counties_with_well_formed_parts_are_accepted(code):
    assert division_problem(code) is None
    assert is_division_code(code)


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("522699101001", "未知的县级区划代码 522699"),
        ("000000000000", "未知的县级区划代码 000000"),
        ("522600101001", "未知的县级区划代码 522600"),  # a prefecture, not a county
        ("522631600001", "乡级代码 600 超出范围"),
        ("522631101600", "村级代码 600 超出范围"),
        ("522631999001", "乡级代码 999 超出范围"),
        ("522631000203", "村级代码 203 必须隶属于一个乡级区划"),
        ("52263110100", "区划代码应为12位数字"),
        ("5226311010011", "区划代码应为12位数字"),
        ("52263110100X", "区划代码应为12位数字"),
        ("522631101001\n", "区划代码应为12位数字"),
        ("５２２６３１１０１００１", "区划代码应为12位数字"),  # full-width digits
    ],
)
def test_bad_codes_are_refused_with_a_chinese_reason(code, reason):
    problem = division_problem(code)
    assert problem is not None and problem.startswith(reason)
    assert not is_division_code(code)


def test_levels_and_friendly_names():
    assert level_of("522631000000") == "county"
    assert level_of("522631101000") == "township"
    assert level_of("522631101001") == "village"
    assert county_name("522631101001") == "贵州省黔东南苗族侗族自治州黎平县"
    assert county_name("110101") == "北京市东城区"
    assert county_name("469002001001") == "海南省琼海市"
    assert county_name("522699") is None

"""The columns of an import file: the Chinese headers counties use, with their aliases."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Column:
    field: str
    title: str  # the header we name in reports and in the template
    aliases: tuple[str, ...]
    required: bool


COLUMNS: tuple[Column, ...] = (
    Column("name", "姓名", ("姓名", "名字", "人员姓名"), True),
    Column("id_number", "身份证号", ("身份证号", "身份证号码", "公民身份号码", "身份证", "证件号码"), True),
    Column(
        "phone",
        "联系电话",
        ("联系电话", "手机号", "手机号码", "手机", "电话", "电话号码", "联系方式", "联系电话(手机)"),
        True,
    ),
    Column(
        "origin_division_code",
        "户籍地区划代码",
        ("户籍地区划代码", "户籍地", "户籍地代码", "户籍所在地", "户籍区划代码", "区划代码", "户籍地行政区划代码"),
        True,
    ),
    Column("current_city", "务工地", ("务工地", "务工城市", "务工地点", "现务工地", "务工所在地", "现居住地"), True),
    Column("employer", "工作单位", ("工作单位", "务工单位", "单位", "单位名称", "就业单位", "务工企业"), False),
    Column("industry", "行业", ("行业", "所属行业", "从事行业", "务工行业"), False),
    Column("is_party_member", "是否党员", ("是否党员", "党员", "政治面貌"), False),
    Column("skills", "技能", ("技能", "专业技能", "职业技能", "技能特长", "特长"), False),
    Column("languages", "语言", ("语言", "使用语言", "掌握语言", "民族语言"), False),
    Column("gender", "性别", ("性别",), False),
    Column("disability", "残疾情况", ("残疾情况", "残疾类别", "残疾"), False),
    Column("union_member", "是否工会会员", ("是否工会会员", "工会会员", "是否入会"), False),
)

_NOISE = re.compile(r"[\s*＊:：()（）\[\]【】]")


def normalise_header(text: str | None) -> str:
    """Headers arrive with spaces, full-width brackets, a star or 必填 marking required columns."""
    if text is None:
        return ""
    return _NOISE.sub("", str(text).replace("必填", ""))


_BY_ALIAS = {normalise_header(alias): c for c in COLUMNS for alias in c.aliases}


@dataclass(frozen=True)
class HeaderMap:
    """Where each known field is in the file's rows (cell index), and what was not recognised."""

    index: dict[str, int]
    unknown: tuple[str, ...]

    def missing(self) -> list[Column]:
        return [c for c in COLUMNS if c.required and c.field not in self.index]


def map_header(cells: Sequence[object]) -> HeaderMap:
    index: dict[str, int] = {}
    unknown: list[str] = []
    for i, cell in enumerate(cells):
        key = normalise_header(None if cell is None else str(cell))
        if not key:
            continue
        column = _BY_ALIAS.get(key)
        if column is None:
            unknown.append(str(cell).strip())
        elif column.field not in index:  # the first of two columns with the same meaning wins
            index[column.field] = i
    return HeaderMap(index, tuple(unknown))


def looks_like_header(cells: Sequence[object]) -> bool:
    """A row naming at least two required columns is the header (rows above it are titles)."""
    found = map_header(cells).index
    return sum(1 for c in COLUMNS if c.required and c.field in found) >= 2

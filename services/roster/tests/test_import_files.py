"""Reading county spreadsheets: encodings, headers with aliases, the per-row checks in Chinese. No I/O
beyond temporary files."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from kite_roster.importing.columns import map_header
from kite_roster.importing.readers import MalformedFile, RawRow, open_table
from kite_roster.importing.rows import CheckedRow, RowChecker
from kite_roster.members.domain.member_events import MemberRegistered
from kite_roster.shared.identity import check_digit
from openpyxl import Workbook

COUNTY = "522631"  # 黎平县


def id_number(seq: int, area: str = COUNTY) -> str:
    birth = date(1990, 1, 1) + timedelta(days=seq // 1000)
    first17 = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


HEADER = ["姓名", "身份证号", "联系电话", "户籍地区划代码", "务工地", "工作单位", "是否党员", "技能"]


def good_row(seq: int, name: str = "吴贵友") -> list[str]:
    return [name, id_number(seq), f"138{seq:08d}", f"{COUNTY}101001", "杭州", "杭州某电子厂", "是", "电工、焊工"]


def write_csv(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def rows_of(path: Path) -> list[RawRow]:
    table = open_table(path)
    try:
        return list(table.rows())
    finally:
        table.close()


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"])
def test_csv_in_every_encoding_counties_send_reads_the_same(tmp_path, encoding):
    path = write_csv(tmp_path / "名单.csv", [HEADER, good_row(1), good_row(2, "龙秀英")], encoding)
    table = open_table(path)
    assert table.kind == "csv"
    assert table.header.missing() == []
    rows = list(table.rows())
    table.close()
    assert [r.cells[0] for r in rows] == ["吴贵友", "龙秀英"]
    assert [r.number for r in rows] == [2, 3]


def test_title_rows_above_the_header_are_skipped_and_rows_numbered_as_excel_shows_them(tmp_path):
    path = write_csv(
        tmp_path / "t.csv",
        [["黎平县外出务工人员花名册"], ["填报单位：德顺乡", "", ""], HEADER, good_row(1), [], good_row(2)],
    )
    table = open_table(path)
    assert table.header_row == 3
    rows = list(table.rows())
    table.close()
    assert [r.number for r in rows] == [4, 5, 6]


def test_header_aliases_and_decorations_are_understood():
    header = map_header(
        [" 姓 名 ", "公民身份号码", "手机号*", "户籍地（必填）", "务工城市", "单位名称", "政治面貌", "备注"]
    )
    assert header.missing() == []
    assert header.index == {
        "name": 0,
        "id_number": 1,
        "phone": 2,
        "origin_division_code": 3,
        "current_city": 4,
        "employer": 5,
        "is_party_member": 6,
    }
    assert header.unknown == ("备注",)
    assert [c.title for c in map_header(["姓名", "电话"]).missing()] == ["身份证号", "户籍地区划代码", "务工地"]


def test_a_file_that_is_neither_utf8_nor_gbk_is_refused_clearly(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes("姓名,身份证号\n".encode() + bytes([0xFF, 0xFE, 0xFD, 0x81, 0x20]) * 10)
    with pytest.raises(MalformedFile) as caught:
        open_table(path)
    assert caught.value.code == "unknown-encoding"
    assert "UTF-8" in caught.value.message and "GBK" in caught.value.message


def test_a_file_changing_encoding_part_way_is_reported_at_its_row(tmp_path):
    head = "\r\n".join(",".join(r) for r in [HEADER, *[good_row(i) for i in range(1, 3000)]]).encode()
    path = tmp_path / "mixed.csv"
    path.write_bytes(head + b"\r\n" + ",".join(good_row(3001, "潘桂芳")).encode("gbk") + b"\r\n")
    table = open_table(path)
    with pytest.raises(MalformedFile) as caught:
        list(table.rows())
    table.close()
    assert caught.value.code == "bad-encoding"
    assert "行" in caught.value.message


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"PK\x03\x04" + b"\x00garbage" * 100, "bad-xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "xls-not-supported"),
        (b"%PDF-1.7\n" + b"\x00\x01" * 50, "not-a-table"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00", "not-a-table"),
        (b"   \r\n", "empty-file"),
    ],
)
def test_malformed_files_are_refused_with_a_clear_reason(tmp_path, content, code):
    path = tmp_path / "x"
    path.write_bytes(content)
    with pytest.raises(MalformedFile) as caught:
        open_table(path)
    assert caught.value.code == code


def test_xlsx_first_sheet_with_typed_cells(tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["黎平县外出务工人员花名册"])
    ws.append(HEADER)
    ws.append(good_row(1))
    ws.append(["杨光辉", 522631199001010010, 13800000002, 522631101001, "宁波", None, "否", None])
    ws.append(["石明", id_number(3), 13800000003.0, "522631101001", "宁波", None, True, None])
    wb.create_sheet("说明").append(["不读这一页"])
    path = tmp_path / "名单.xlsx"
    wb.save(path)
    table = open_table(path)
    assert (table.kind, table.header_row) == ("xlsx", 2)
    rows = list(table.rows())
    checker = RowChecker(table.header, table.header_titles, COUNTY, "tester")
    table.close()
    first, lost, third = (checker.check(r) for r in rows)
    assert isinstance(first, CheckedRow)
    assert isinstance(lost, list)
    assert [(p.row, p.column) for p in lost] == [(4, "身份证号")]
    assert "存成了数字" in lost[0].message
    assert isinstance(third, CheckedRow)
    assert third.phone == "13800000003"  # a phone typed as a number is still the phone
    assert third.events[0].is_party_member is True  # type: ignore[attr-defined]


def _checker(header: list[str] | None = None, jurisdiction: str = COUNTY) -> RowChecker:
    h = header or HEADER
    return RowChecker(map_header(h), h, jurisdiction, "registrar-1", new_member_id=lambda: uuid.UUID(int=7))


def test_a_good_row_becomes_a_registration_with_the_member_domain():
    checked = _checker([*HEADER, "性别", "语言", "行业"]).check(
        RawRow(2, (*good_row(1), "男", "侗语，普通话", "制造业"))
    )
    assert isinstance(checked, CheckedRow)
    [event] = checked.events
    assert isinstance(event, MemberRegistered)
    assert (event.member_id, event.name, event.gender, event.birth_year) == (uuid.UUID(int=7), "吴贵友", "male", 1990)
    assert (event.origin_division_code, event.current_city, event.employer) == ("522631101001", "杭州", "杭州某电子厂")
    assert (event.is_party_member, event.skills, event.languages, event.industry) == (
        True,
        ["焊工", "电工"],
        ["侗语", "普通话"],
        "制造业",
    )
    assert event.registered_by == "registrar-1"
    assert (checked.id_number, checked.phone) == (id_number(1), "13800000001")


def test_every_problem_of_a_row_is_reported_in_chinese_with_its_column():
    bad = ["", id_number(1)[:-1] + "0", "12345", "52263", "", "", "也许", ""]
    problems = _checker().check(RawRow(7, tuple(bad)))
    assert isinstance(problems, list)
    assert [(p.row, p.column, p.message) for p in problems] == [
        (7, "姓名", "姓名不能为空"),
        (7, "身份证号", "身份证号校验位错误"),
        (7, "联系电话", "联系电话应为 11 位手机号"),
        (7, "户籍地区划代码", "户籍地应填写区划代码（6、9 或 12 位数字，如 522631101001）"),
        (7, "务工地", "务工地不能为空"),
        (7, "是否党员", "是否党员应填写“是”或“否”"),
    ]


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("身份证号", "52263119901301001X", "身份证号中的出生日期无效"),
        ("户籍地区划代码", "999999101001", "未知的县级区划代码 999999"),
        ("户籍地区划代码", "522631000101", "村级代码 101 必须隶属于一个乡级区划（乡级代码不能为000）"),
        ("户籍地区划代码", "520102001001", "户籍地不在您的管辖范围内，未导入"),
        ("性别", "女", "性别与身份证号不符"),
    ],
)
def test_domain_and_division_checks_name_the_column(column, value, message):
    header = [*HEADER, "性别"]
    row = [*good_row(1), ""]
    row[header.index(column)] = value
    problems = _checker(header).check(RawRow(3, tuple(row)))
    assert isinstance(problems, list)
    assert [(p.column, p.message) for p in problems] == [(column, message)]


def test_file_header_names_are_used_in_the_report():
    header = ["名字", "身份证号码", "手机号", "户籍地", "务工城市"]
    problems = _checker(header).check(RawRow(2, ("王五", id_number(1), "110", f"{COUNTY}101001", "广州")))
    assert isinstance(problems, list)
    assert [(p.column, p.name) for p in problems] == [("手机号", "王五")]


def test_county_and_township_codes_are_widened_to_twelve_digits():
    row = good_row(1)
    row[3] = COUNTY
    checked = _checker().check(RawRow(2, tuple(row)))
    assert isinstance(checked, CheckedRow)
    assert checked.origin_division_code == "522631000000"

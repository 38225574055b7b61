"""`kite roster import FILE`: the same pipeline from the command line, with a summary and a report."""

from __future__ import annotations

import asyncio
import csv

import pytest
from kite_common.db.pool import connect
from kite_roster.cli import roster_cli
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit
from typer.testing import CliRunner

COUNTY = "522631"


def id_number(seq: int, area: str = COUNTY) -> str:
    first17 = f"{area}19850505{seq:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
async def dsn(infra, monkeypatch):
    dsn = await infra.fresh_database(SERVICE)
    monkeypatch.setenv("DATABASE_URL", dsn)
    yield dsn
    await infra.drop(dsn)


def _write(path, rows) -> None:
    with path.open("w", encoding="gbk", newline="") as f:
        writer = csv.writer(f, lineterminator="\r\n")
        writer.writerow(["序号", "姓名", "性别", "身份证号", "手机号码", "户籍地", "务工地点", "务工单位", "是否党员"])
        writer.writerows(rows)


async def _invoke(*args: str):
    return await asyncio.to_thread(CliRunner().invoke, roster_cli(), list(args))


async def test_cli_imports_a_gbk_file_with_a_summary_and_a_report_beside_it(dsn, tmp_path):
    path = tmp_path / "榕江外出人员.csv"
    _write(
        path,
        [
            ["1", "吴贵友", "男", id_number(1), "13811110001", f"{COUNTY}101001", "广州", "广州某厂", "是"],
            ["2", "龙秀英", "男", id_number(2), "13811110002", f"{COUNTY}101001", "广州", "", "否"],
            ["3", "杨光辉", "男", id_number(3), "13811110003", "522632101001", "深圳", "", "否"],
            ["4", "石明", "男", id_number(5), "13811110005", f"{COUNTY}101001", "深圳", "", "否"],
        ],
    )
    result = await _invoke("import", str(path), "--jurisdiction", COUNTY, "--as-subject", "clerk-7", "--report")
    assert result.exit_code == 0, result.output
    assert "导入结果" in result.output and "新登记" in result.output
    report = tmp_path / "榕江外出人员.csv.导入报告.csv"
    lines = list(csv.reader(report.open(encoding="utf-8-sig")))
    assert lines == [
        ["行号", "列", "问题", "处理结果", "姓名"],
        ["3", "性别", "性别与身份证号不符", "未导入", "龙秀英"],
        ["4", "户籍地", "户籍地不在您的管辖范围内，未导入", "未导入", "杨光辉"],
    ]
    conn = await connect(dsn)
    try:
        rows = await conn.fetch("SELECT name, registered_by, is_party_member FROM members ORDER BY name")
    finally:
        await conn.close()
    assert [tuple(r) for r in rows] == [("吴贵友", "clerk-7", True), ("石明", "clerk-7", False)]

    again = await _invoke("import", str(path), "--jurisdiction", COUNTY)
    assert again.exit_code == 0
    assert "已登记而跳过" in again.output


async def test_cli_refuses_a_file_without_the_required_columns(dsn, tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("姓名,电话\n张三,13800000000\n", encoding="utf-8")
    result = await _invoke("import", str(path))
    assert result.exit_code == 1
    assert "缺少必填列" in result.output

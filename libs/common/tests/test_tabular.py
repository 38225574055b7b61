"""CSV and XLSX downloads as a spreadsheet user opens them."""

from __future__ import annotations

import csv
import io
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from urllib.parse import unquote

import httpx
import pytest
from fastapi import FastAPI
from kite_common.domain import NotFound
from kite_common.http.problems import install_problem_handlers
from kite_common.http.tabular import content_disposition, tabular_response
from openpyxl import load_workbook

COLUMNS = [("name", "姓名"), ("city", "务工地"), ("party", "是否党员"), ("skills", "技能"), ("at", "登记时间")]
ROWS = [
    {
        "name": "张三",
        "city": "杭州",
        "party": True,
        "skills": ["电工", "焊工"],
        "at": datetime(2024, 3, 1, 2, 0, tzinfo=UTC),
    },
    {"name": '李"四', "city": "深圳,南山", "party": False, "skills": [], "at": None},
    {"name": "王五\n(多行)", "city": '=HYPERLINK("x")', "party": None, "skills": ["苗语"], "at": date(2024, 1, 2)},
]


async def _async_rows(rows: list[dict[str, object]]) -> AsyncIterator[dict[str, object]]:
    for row in rows:
        yield row


def _app() -> FastAPI:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/export")
    async def export(fmt: str, source: str = "list", n: int = 0):  # type: ignore[no-untyped-def]
        rows: object
        if n:
            rows = _async_rows(
                [{"name": f"人员{i}", "city": "广州", "party": i % 2 == 0, "skills": [], "at": None} for i in range(n)]
            )
        else:
            rows = _async_rows(ROWS) if source == "async" else ROWS
        return tabular_response(rows, COLUMNS, fmt, "人员名单")  # type: ignore[arg-type]

    @app.get("/broken")
    async def broken(fmt: str):  # type: ignore[no-untyped-def]
        async def rows() -> AsyncIterator[dict[str, object]]:
            yield ROWS[0]
            raise NotFound("查询的名单不存在", code="no-such-list")

        return tabular_response(rows(), COLUMNS, fmt, "名单")

    return app


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://t") as client:
        yield client


@pytest.mark.parametrize("source", ["list", "async"])
async def test_csv_opens_in_excel_with_chinese_headers_and_rfc4180_quoting(http, source):
    resp = await http.get("/export", params={"fmt": "csv", "source": source})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "text/csv; charset=utf-8"
    assert resp.content.startswith(b"\xef\xbb\xbf")  # BOM: Excel reads the file as UTF-8
    text = resp.content.decode("utf-8-sig")
    assert "\r\n" in text
    table = list(csv.reader(io.StringIO(text, newline="")))
    assert table[0] == ["姓名", "务工地", "是否党员", "技能", "登记时间"]
    assert table[1] == ["张三", "杭州", "是", "电工、焊工", "2024-03-01 10:00:00"]  # shown in Beijing time
    assert table[2] == ['李"四', "深圳,南山", "否", "", ""]
    assert table[3][0] == "王五\n(多行)"
    assert table[3][1].startswith("'=")  # a formula in data stays text in a spreadsheet
    assert table[3][2:] == ["", "苗语", "2024-01-02"]
    assert len(table) == 4


async def test_download_names_the_file_in_chinese(http):
    resp = await http.get("/export", params={"fmt": "csv"})
    disposition = resp.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    encoded = disposition.split("filename*=UTF-8''")[1]
    assert unquote(encoded) == "人员名单.csv"
    assert resp.headers["cache-control"] == "no-store"
    assert 'filename="' in content_disposition("a b.xlsx")


async def test_xlsx_holds_typed_cells_under_a_bold_header(http):
    resp = await http.get("/export", params={"fmt": "xlsx", "source": "async"})
    assert resp.status_code == 200
    assert resp.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert int(resp.headers["content-length"]) == len(resp.content)
    assert unquote(resp.headers["content-disposition"].split("''")[1]) == "人员名单.xlsx"
    wb = load_workbook(io.BytesIO(resp.content))
    ws = wb.worksheets[0]
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert rows[0] == ["姓名", "务工地", "是否党员", "技能", "登记时间"]
    assert ws["A1"].font.bold
    assert rows[1] == ["张三", "杭州", "是", "电工、焊工", datetime(2024, 3, 1, 10, 0)]
    assert rows[2] == ['李"四', "深圳,南山", "否", None, None]
    assert rows[3][:2] == ["王五\n(多行)", '\'=HYPERLINK("x")']
    assert ws.freeze_panes == "A2"


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
async def test_many_rows_arrive_complete_and_in_order(http, fmt):
    resp = await http.get("/export", params={"fmt": fmt, "n": 12_345})
    assert resp.status_code == 200
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(resp.content.decode("utf-8-sig"), newline="")))[1:]
    else:
        ws = load_workbook(io.BytesIO(resp.content), read_only=True).worksheets[0]
        table = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
    assert len(table) == 12_345
    assert [r[0] for r in table[:3]] == ["人员0", "人员1", "人员2"]
    assert table[-1][0] == "人员12344"


async def test_a_failure_while_writing_an_xlsx_is_a_problem_not_a_broken_file(http):
    resp = await http.get("/broken", params={"fmt": "xlsx"})
    assert resp.status_code == 404
    assert resp.json()["detail"] == "查询的名单不存在"


def test_unknown_format_is_refused():
    with pytest.raises(ValueError):
        tabular_response([], COLUMNS, "pdf", "x")


def test_uuid_and_numbers_are_written_as_people_read_them():
    from kite_common.http.tabular import cell_text

    uid = uuid.uuid4()
    assert cell_text(uid) == str(uid)
    assert cell_text(12) == "12"
    assert cell_text("-5") == "'-5"

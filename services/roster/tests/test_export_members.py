"""GET /members/export: a search result as CSV and XLSX, the same rows as the search, numbers masked."""

from __future__ import annotations

import csv
import io
from urllib.parse import unquote

import pytest
from kite_common.testing.stack import auth, running
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit
from openpyxl import load_workbook

COUNTY = "522631"  # 黎平县
OTHER = "522632"  # 榕江县


def id_number(seq: int, area: str = COUNTY) -> str:
    first17 = f"{area}19880101{seq:03d}"
    return first17 + check_digit(first17)


PEOPLE = [
    (1, "吴贵友", "杭州", "杭州某电子厂", True, COUNTY),
    (2, "龙秀英", "杭州", "杭州某服装厂", False, COUNTY),
    (3, "杨光辉", "宁波", "宁波某五金厂", False, COUNTY),
    (4, '石"明",二', "杭州", "=cmd|' /C calc'!A0", False, COUNTY),
    (5, "潘桂芳", "杭州", "杭州某电子厂", True, OTHER),
]


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        async with svc.client(headers=auth(["registrar"], "5226")) as http:
            for seq, name, city, employer, party, county in PEOPLE:
                body = {
                    "name": name,
                    "id_number": id_number(seq, county),
                    "phone": f"137{seq:08d}",
                    "origin_division_code": f"{county}101001",
                    "current_city": city,
                    "employer": employer,
                    "is_party_member": party,
                    "skills": ["电工"],
                    "languages": ["侗语", "普通话"],
                }
                created = await http.post("/members", json=body)
                assert created.status_code == 201, created.text
        yield svc


COMPARED = [
    ("name", "姓名"),
    ("id_number", "身份证号（脱敏）"),
    ("phone", "联系电话（脱敏）"),
    ("origin_division_code", "户籍地区划代码"),
    ("current_city", "务工地"),
]


async def _search(http, **params) -> list[dict]:
    response = await http.get("/members", params={**params, "limit": 200})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_csv_export_is_the_search_result_with_chinese_headers(roster):
    async with roster.client(headers=auth(["viewer"], COUNTY)) as http:
        expected = await _search(http, city="杭州", sort="name")
        response = await http.get("/members/export", params={"city": "杭州", "sort": "name", "format": "csv"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert unquote(response.headers["content-disposition"].split("''")[1]).startswith("人员名单-")
    table = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(expected) == 3  # 潘桂芳 is in 榕江县, outside the viewer's county
    assert [[row[title] for _, title in COMPARED] for row in table] == [
        [m[key] for key, _ in COMPARED] for m in expected
    ]
    first = next(row for row in table if row["姓名"] == "吴贵友")
    assert first["身份证号（脱敏）"] == id_number(1)[:6] + "********" + id_number(1)[-4:]
    assert (first["联系电话（脱敏）"], first["是否党员"], first["性别"]) == ("137****0001", "是", "男")
    assert (first["户籍县"], first["语言"], first["状态"]) == (
        "贵州省黔东南苗族侗族自治州黎平县",
        "侗语、普通话",
        "在册",
    )
    assert id_number(1) not in response.text and "13700000001" not in response.text
    tricky = next(row for row in table if row["姓名"] == '石"明",二')
    assert tricky["工作单位"].startswith("'=")  # a formula in data stays text in Excel


async def test_xlsx_export_round_trips_the_search_result(roster):
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        expected = await _search(http, party="false")
        response = await http.get("/members/export", params={"party": "false", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    got = [dict(zip(header, r, strict=True)) for r in rows[1:]]
    assert [[r[title] for _, title in COMPARED] for r in got] == [[m[key] for key, _ in COMPARED] for m in expected]
    assert [r["人员编号"] for r in got] == [m["member_id"] for m in expected]


async def test_export_filters_like_search_and_refuses_bad_input(roster):
    async with roster.client(headers=auth(["registrar"], "5226")) as http:
        by_id = await http.get("/members/export", params={"id_number": id_number(5, OTHER)})
        bad = await http.get("/members/export", params={"id_number": id_number(5, OTHER)[:-1] + "Y"})
        pdf = await http.get("/members/export", params={"format": "pdf"})
    table = list(csv.DictReader(io.StringIO(by_id.content.decode("utf-8-sig"))))
    assert [r["姓名"] for r in table] == ["潘桂芳"]
    assert bad.status_code == 422
    assert pdf.status_code == 422
    async with roster.client() as http:
        assert (await http.get("/members/export")).status_code == 401

"""Bulk import over real HTTP and PostgreSQL: upload, the worker, progress, the per-row report."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
from collections.abc import AsyncIterator
from datetime import date, timedelta
from urllib.parse import quote

import pytest
from kite_common.ids import new_id
from kite_common.rebuild import rebuild_projections
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import RunningService, answer, auth, running
from kite_roster.importing.worker import import_worker
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit
from openpyxl import Workbook, load_workbook

COUNTY = "522631"  # 黎平县
ORIGIN = f"{COUNTY}101001"
HEADER = ["姓名", "身份证号", "联系电话", "户籍地区划代码", "务工地", "工作单位", "是否党员", "技能"]
REGISTRAR = auth(["registrar"], COUNTY, subject="county-registrar")


def runtime_of(svc) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    """The roster's runtime over the test service's pool (what a worker is handed)."""
    return ServiceRuntime(SERVICE, svc.pool, svc.kafka)


def id_number(seq: int, area: str = COUNTY) -> str:
    birth = date(1990, 1, 1) + timedelta(days=seq // 1000)
    first17 = f"{area}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + check_digit(first17)


def row(seq: int, name: str = "吴贵友", city: str = "杭州", origin: str = ORIGIN) -> list[str]:
    return [name, id_number(seq, origin[:6]), f"138{seq:08d}", origin, city, f"{city}某电子厂", "否", "电工、焊工"]


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8-sig", header: list[str] = HEADER) -> bytes:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerows([header, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]], title: str | None = None) -> bytes:
    wb = Workbook()
    ws = wb.active
    if title:
        ws.append([title])
    ws.append(HEADER)
    for r in rows:
        ws.append(r)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


@pytest.fixture
async def roster(infra, prefix, monkeypatch) -> AsyncIterator[RunningService]:
    monkeypatch.setenv("KITE_IMPORT_POLL_INTERVAL_S", "0.05")
    monkeypatch.setenv("KITE_IMPORT_BATCH_ROWS", "50")
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


@contextlib.asynccontextmanager
async def worker(svc: RunningService) -> AsyncIterator[asyncio.Task[None]]:
    assert svc.pool is not None
    stop = asyncio.Event()
    task = asyncio.create_task(import_worker(runtime_of(svc), stop))
    try:
        yield task
    finally:
        stop.set()
        await task


async def upload(svc: RunningService, content: bytes, filename: str, headers: dict[str, str] = REGISTRAR) -> dict:
    async with svc.client(headers=headers) as http:
        response = await http.post(
            "/imports", content=content, params={"filename": filename}, headers={"content-type": "text/csv"}
        )
    assert response.status_code == 202, response.text
    assert response.headers["location"] == f"/imports/{response.json()['job_id']}"
    return response.json()


async def finished(svc: RunningService, job_id: str, headers: dict[str, str] = REGISTRAR) -> dict:
    async with svc.client(headers=headers) as http:
        for _ in range(600):
            job = (await http.get(f"/imports/{job_id}")).json()
            if job["status"] in ("done", "failed"):
                return job
            await asyncio.sleep(0.05)
    raise AssertionError(f"import {job_id} did not finish: {job}")


async def problems(svc: RunningService, job_id: str, **params: str) -> list[dict]:
    async with svc.client(headers=REGISTRAR) as http:
        response = await http.get(f"/imports/{job_id}/problems", params={"limit": "1000", **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def count(svc: RunningService, sql: str) -> int:
    assert svc.pool is not None
    value: int = await svc.pool.fetchval(sql)
    return value


async def test_utf8_csv_is_imported_members_are_searchable_and_events_published(roster):
    rows = [row(i, name=name) for i, name in enumerate(["吴贵友", "龙秀英", "杨光辉", "石明"] * 30, start=1)]
    job = await upload(roster, csv_bytes(rows), "黎平县花名册.csv")
    assert job["status"] == "queued"
    assert (job["file_name"], job["jurisdiction"], job["uploaded_by"]) == (
        "黎平县花名册.csv",
        COUNTY,
        "county-registrar",
    )
    async with worker(roster):
        done = await finished(roster, job["job_id"])
    assert done["status"] == "done", done
    assert done["counts"] == {"total": 120, "created": 120, "skipped": 0, "failed": 0}
    assert (done["file_kind"], done["encoding"], done["progress"]) == ("csv", "utf-8-sig", 1.0)
    async with roster.client(headers=REGISTRAR) as http:
        found = (await http.get("/members", params={"id_number": id_number(3)})).json()["items"]
    assert [(m["name"], m["phone"], m["current_city"]) for m in found] == [("杨光辉", "138****0003", "杭州")]
    assert await count(roster, "SELECT count(*) FROM events WHERE type LIKE '%member-registered%'") == 120
    assert await count(roster, "SELECT count(*) FROM outbox") == 120
    assert await count(roster, "SELECT count(*) FROM import_job_chunks") == 0  # the upload is gone when done
    assert await count(roster, "SELECT count(*) FROM members WHERE registered_by = 'county-registrar'") == 120


async def test_gbk_csv_uploaded_as_a_multipart_form(roster):
    rows = [row(1, "潘桂芳"), row(2, "欧德胜")]
    body = csv_bytes(rows, encoding="gbk")
    async with roster.client(headers=REGISTRAR) as http:
        response = await http.post("/imports", files={"file": ("外出人员.csv", body, "text/csv")})
    assert response.status_code == 202, response.text
    assert response.json()["file_name"] == "外出人员.csv"
    async with worker(roster):
        done = await finished(roster, response.json()["job_id"])
    assert (done["status"], done["encoding"], done["counts"]["created"]) == ("done", "gb18030", 2)
    assert sorted(await roster.pool.fetch("SELECT name FROM members")) == [("欧德胜",), ("潘桂芳",)]


async def test_xlsx_with_a_title_row_is_imported(roster):
    content = xlsx_bytes([row(1, "龙成龙"), row(2, "吴雨婷", city="宁波")], title="黎平县外出务工人员花名册")
    async with roster.client(headers=REGISTRAR) as http:
        response = await http.post(
            "/imports",
            content=content,
            headers={
                "content-type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                "content-disposition": f"attachment; filename*=UTF-8''{quote('花名册.xlsx')}",
            },
        )
    assert response.status_code == 202, response.text
    assert response.json()["file_name"] == "花名册.xlsx"
    async with worker(roster):
        done = await finished(roster, response.json()["job_id"])
    assert (done["status"], done["file_kind"], done["counts"]["created"]) == ("done", "xlsx", 2)
    cities = await roster.pool.fetch("SELECT name, current_city FROM members ORDER BY name")
    assert [tuple(r) for r in cities] == [("吴雨婷", "宁波"), ("龙成龙", "杭州")]


async def test_reimporting_the_same_file_creates_no_duplicates_and_reports_them_skipped(roster):
    rows = [row(i) for i in range(1, 121)]
    rows.insert(10, row(9, name="吴贵友"))  # the same person twice, in one batch (of 50 rows here)
    rows.append(row(5, name="吴贵友"))  # and again in a later batch
    content = csv_bytes(rows)
    async with worker(roster):
        first = await finished(roster, (await upload(roster, content, "a.csv"))["job_id"])
        second = await finished(roster, (await upload(roster, content, "a.csv"))["job_id"])
    assert first["counts"] == {"total": 122, "created": 120, "skipped": 2, "failed": 0}
    assert second["counts"] == {"total": 122, "created": 0, "skipped": 122, "failed": 0}
    assert await count(roster, "SELECT count(*) FROM members") == 120
    assert await count(roster, "SELECT count(*) FROM events") == 120
    near, far = await problems(roster, first["job_id"])
    assert (near["row_number"], near["column"], near["outcome"]) == (12, "身份证号", "skipped")
    assert near["message"] == "与第 10 行身份证号重复，未重复导入"
    assert (far["row_number"], far["outcome"]) == (123, "skipped")
    assert far["message"].startswith("已登记")
    again = await problems(roster, second["job_id"], outcome="skipped")
    assert len(again) == 122
    assert again[0]["row_number"] == 2 and "已登记" in again[0]["message"]


async def test_bad_rows_are_reported_by_row_and_column_in_chinese_and_good_rows_imported(roster):
    rows = [
        row(1),
        ["", id_number(2), "13800000002", ORIGIN, "杭州", "", "否", ""],
        [
            "李四",
            id_number(3)[:-1] + ("0" if id_number(3)[-1] != "0" else "1"),
            "13800000003",
            ORIGIN,
            "广州",
            "",
            "",
            "",
        ],
        ["王五", id_number(4), "1380000", ORIGIN, "广州", "", "", ""],
        ["赵六", id_number(5), "13800000005", "999999101001", "深圳", "", "", ""],
        ["钱七", id_number(6, "520102"), "13800000006", "520102001001", "深圳", "", "", ""],
        row(7),
    ]
    job = await upload(roster, csv_bytes(rows), "b.csv")
    async with worker(roster):
        done = await finished(roster, job["job_id"])
    assert done["counts"] == {"total": 7, "created": 2, "skipped": 0, "failed": 5}
    report = [(p["row_number"], p["column"], p["message"], p["outcome"]) for p in await problems(roster, job["job_id"])]
    assert report == [
        (3, "姓名", "姓名不能为空", "failed"),
        (4, "身份证号", "身份证号校验位错误", "failed"),
        (5, "联系电话", "联系电话应为 11 位手机号", "failed"),
        (6, "户籍地区划代码", "未知的县级区划代码 999999", "failed"),
        (7, "户籍地区划代码", "户籍地不在您的管辖范围内，未导入", "failed"),
    ]
    assert await count(roster, "SELECT count(*) FROM members") == 2
    async with roster.client(headers=REGISTRAR) as http:
        download = await http.get(f"/imports/{job['job_id']}/problems", params={"format": "csv"})
        xlsx = await http.get(f"/imports/{job['job_id']}/problems", params={"format": "xlsx"})
    table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert table[0] == ["行号", "列", "问题", "处理结果", "姓名"]
    assert table[1] == ["3", "姓名", "姓名不能为空", "未导入", ""]
    assert table[5] == ["7", "户籍地区划代码", "户籍地不在您的管辖范围内，未导入", "未导入", "钱七"]
    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    assert [c.value for c in sheet[4]] == [5, "联系电话", "联系电话应为 11 位手机号", "未导入", "王五"]


async def test_missing_required_columns_fail_the_whole_file_before_any_write(roster):
    content = csv_bytes([["吴贵友", id_number(1), "杭州"]], header=["姓名", "身份证号", "务工地"])
    job = await upload(roster, content, "c.csv")
    async with worker(roster):
        done = await finished(roster, job["job_id"])
    assert (done["status"], done["error_code"]) == ("failed", "missing-columns")
    assert done["error"] == "缺少必填列：联系电话、户籍地区划代码（未导入任何数据）"
    assert [(p["row_number"], p["column"]) for p in await problems(roster, job["job_id"])] == [
        (1, "联系电话"),
        (1, "户籍地区划代码"),
    ]
    assert await count(roster, "SELECT count(*) FROM members") == 0


async def test_a_broken_xlsx_fails_its_job_clearly_and_writes_nothing(roster):
    good = xlsx_bytes([row(1)])
    broken = good[: len(good) // 2]  # a zip cut in the middle (an interrupted copy)
    async with roster.client(headers=REGISTRAR) as http:
        response = await http.post("/imports", content=broken, params={"filename": "坏文件.xlsx"})
    assert response.status_code == 202
    async with worker(roster):
        done = await finished(roster, response.json()["job_id"])
    assert (done["status"], done["error_code"]) == ("failed", "bad-xlsx")
    assert "不是有效的 XLSX" in done["error"]
    assert await count(roster, "SELECT count(*) FROM members") == 0
    assert await count(roster, "SELECT count(*) FROM events") == 0


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n" + b"\x00" * 200, "not-a-table"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200, "xls-not-supported"),
        (b"", "empty-file"),
    ],
)
async def test_what_is_plainly_not_a_table_is_refused_at_upload_and_nothing_stored(roster, content, code):
    async with roster.client(headers=REGISTRAR) as http:
        response = await http.post("/imports", content=content, params={"filename": "x.csv"})
    assert response.status_code == 422
    assert response.json()["type"].endswith(code)
    assert await count(roster, "SELECT count(*) FROM import_jobs") == 0


async def test_oversize_upload_is_413_in_chinese_and_nothing_is_stored(roster, monkeypatch):
    monkeypatch.setenv("KITE_IMPORT_MAX_BYTES", str(3 * 1024 * 1024))
    big = csv_bytes([row(i) for i in range(1, 40_000)])
    assert len(big) > 3 * 1024 * 1024

    async def streamed() -> AsyncIterator[bytes]:  # no Content-Length: the limit is found while reading
        for i in range(0, len(big), 256 * 1024):
            yield big[i : i + 256 * 1024]

    async with roster.client(headers=REGISTRAR) as http:
        declared = await http.post("/imports", content=big, params={"filename": "big.csv"})
        chunked = await http.post("/imports", content=streamed(), params={"filename": "big.csv"})
        # under the import limit but over the service-wide 1 MiB: the import route allows it
        allowed = await http.post("/imports", content=big[: 2 * 1024 * 1024], params={"filename": "ok.csv"})
    for response in (declared, chunked):
        assert response.status_code == 413
        assert response.json()["title"] == "请求体过大"
        assert "3 MiB" in response.json()["detail"]
    assert allowed.status_code == 202
    assert await count(roster, "SELECT count(*) FROM import_jobs") == 1
    assert await count(roster, "SELECT count(*) FROM import_job_chunks") == 2


async def test_uploads_are_stored_encrypted(roster):
    job = await upload(roster, csv_bytes([row(1)]), "d.csv")
    stored = await roster.pool.fetchval("SELECT string_agg(data, '') FROM import_job_chunks")
    assert id_number(1) not in stored and "吴贵友".encode().hex() not in stored
    assert stored.startswith("t1:")
    async with worker(roster):
        assert (await finished(roster, job["job_id"]))["status"] == "done"


async def test_who_may_upload_and_see_a_job(roster):
    viewer = auth(["viewer"], COUNTY)
    async with roster.client() as http:
        refused = await http.post("/imports", content=csv_bytes([row(1)]), headers=viewer)
        assert refused.status_code == 403
    job = await upload(roster, csv_bytes([row(1)]), "e.csv")
    async with roster.client() as http:
        outside = auth(["registrar"], "520102")
        other = await http.get(f"/imports/{job['job_id']}", headers=outside)
        nobodys = await http.get(f"/imports/{new_id()}", headers=outside)
        other_problems = await http.get(f"/imports/{job['job_id']}/problems", headers=outside)
        nobodys_problems = await http.get(f"/imports/{new_id()}/problems", headers=outside)
        same_county = await http.get(f"/imports/{job['job_id']}", headers=auth(["viewer"], COUNTY))
        listed = await http.get("/imports", headers=auth(["viewer"], COUNTY))
        not_listed = await http.get("/imports", headers=auth(["viewer"], "520102"))
    assert other.status_code == 404 and answer(other) == answer(nobodys)  # another county's job: as unknown
    assert other_problems.status_code == 404 and answer(other_problems) == answer(nobodys_problems)
    assert same_county.status_code == 200
    assert [j["job_id"] for j in listed.json()["items"]] == [job["job_id"]]
    assert not_listed.json()["items"] == []


async def test_imported_members_rebuild_to_the_same_read_models(roster):
    rows = [row(i, name=n, city=c) for i, (n, c) in enumerate([("吴贵友", "杭州"), ("龙秀英", "宁波")] * 40, 1)]
    job = await upload(roster, csv_bytes(rows), "f.csv")
    async with worker(roster):
        assert (await finished(roster, job["job_id"]))["counts"]["created"] == 80
    assert roster.pool is not None
    tables = ("members", "registration_ledger")
    before = {t: await roster.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in tables}
    async with roster.pool.acquire() as conn:
        await rebuild_projections(conn, SERVICE)
    after = {t: await roster.pool.fetch(f"SELECT * FROM {t} ORDER BY 1, 2, 3") for t in tables}
    assert after == before

"""Import through the console: the file is streamed to the roster, the job page follows its progress
and shows the problem report, which downloads as CSV."""

from __future__ import annotations

import re

from kite_common.testing.stack import eventually

from .conftest import YONGSHAN, Console, csrf_of, id_number


async def test_upload_follow_and_read_the_problem_report(console: Console) -> None:
    rows = [
        "姓名,身份证号,联系电话,户籍地,务工地",
        f"何光明,{id_number(301)},13900000301,{YONGSHAN}101001,苏州",
        "田小芳,123,13900000302,530625101001,苏州",
    ]
    csv = ("\n".join(rows) + "\n").encode("gb18030")
    async with console.signed_in() as client:
        page = await client.get("/imports")
        token = csrf_of((await client.get("/members")).text)
        refused = await client.post("/imports", files={"file": ("名册.csv", csv, "text/csv")})
        uploaded = await client.post(
            "/imports",
            files={"file": ("名册.csv", csv, "text/csv")},
            headers={"X-CSRF-Token": token, "HX-Request": "true"},
        )
        assert page.status_code == 200 and refused.status_code == 404
        assert uploaded.status_code == 204, uploaded.text
        job_url = uploaded.headers["HX-Redirect"]
        assert re.fullmatch(r"/imports/[0-9a-f-]{36}", job_url)

        async def finished() -> str | None:
            panel = await client.get(job_url + "/panel")
            return panel.text if "已完成" in panel.text else None

        panel = await eventually(finished, timeout=60)
        async with client.stream("GET", job_url + "/live") as live:
            events = [line async for line in live.aiter_lines() if line.startswith("event:")]
        report = await client.get(job_url + "/problems.csv")
        job_page = await client.get(job_url)
    assert 'id="import-created">1<' in panel and 'id="import-failed">1<' in panel
    assert "田小芳" in panel and "身份证号" in panel
    assert events[-1] == "event: done"  # a finished job's stream ends by itself
    assert report.status_code == 200 and "attachment" in report.headers["content-disposition"]
    assert "田小芳" in report.content.decode("utf-8-sig")
    assert "何光明" not in report.content.decode("utf-8-sig")
    assert "名册.csv" in job_page.text


async def test_a_file_that_is_no_spreadsheet_shows_the_rosters_problem(console: Console) -> None:
    async with console.signed_in() as client:
        token = csrf_of((await client.get("/members")).text)
        answer = await client.post(
            "/imports",
            files={"file": ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, "image/png")},
            headers={"X-CSRF-Token": token, "HX-Request": "true"},
        )
    assert answer.status_code == 200 and 'role="alert"' in answer.text

"""代办 (matters handled on a member's behalf) and the proxy-service ledger (代办台账) over real HTTP and
PostgreSQL: recorded on the case by either of its places, counted per month and office area, equal to
a recount from the event store before and after a rebuild; CSV and XLSX; bad input refused in Chinese."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from datetime import timedelta
from typing import Any

from kite_casework.domain.working_days import CHINA
from kite_casework.service import SERVICE as CASEWORK
from kite_common.clock import utcnow
from kite_common.rebuild import rebuild_projections
from openpyxl import load_workbook

from .conftest import COUNTY, OTHER_COUNTY, case_body, caseworker, log_settled

MONTHS = {"from": "2025-01", "to": "2027-12"}
HANGZHOU = "3301"
TODAY = utcnow().astimezone(CHINA).date()


async def recount(pool: Any, digits: int, area: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
    """The proxy ledger again from the event store alone."""
    events = await pool.fetch(
        "SELECT data FROM events WHERE type = 'kite.casework.case-proxy-service-recorded.v1' ORDER BY position"
    )
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    totals: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        data = e["data"]
        office, month = data["office_division_code"], data["done_on"][:7]
        if office.startswith(area):
            if office[:digits].startswith(area):
                groups[(month, office[:digits])].append(data)
            totals[(month, area)].append(data)

    def tallied(found: dict[tuple[str, str], list[dict[str, Any]]]) -> dict[Any, Any]:
        result = {}
        for key, items in found.items():
            matters: dict[str, int] = defaultdict(int)
            for item in items:
                matters[item["matter"]] += 1
            result[key] = {
                "services": len(items),
                "by_matter": dict(matters),
                "cases": len({i["case_id"] for i in items}),
            }
        return result

    return tallied(groups), tallied(totals)


async def served(http: Any, level: str, area: str) -> tuple[dict[Any, Any], dict[Any, Any]]:
    response = await http.get("/ledgers/proxy", params={"level": level} | MONTHS, headers=caseworker("lead", area))
    assert response.status_code == 200, response.text
    body = response.json()
    return tuple(  # type: ignore[return-value]
        {(r.pop("month"), r.pop("division_code")): r for r in body[part]} for part in ("rows", "totals")
    )


async def test_proxy_services_are_counted_per_office_and_equal_a_recount(stack):
    ours = await stack.register_member(71)
    theirs = await stack.register_member(72, origin=f"{OTHER_COUNTY}001001")
    last_month = (TODAY.replace(day=1) - timedelta(days=1)).isoformat()
    async with stack.casework.client() as http:
        works_in_hz = (
            await http.post("/cases", json=case_body(ours, work_division_code=HANGZHOU), headers=caseworker())
        ).json()
        other = (await http.post("/cases", json=case_body(theirs), headers=caseworker("d", OTHER_COUNTY))).json()
        done = [
            (works_in_hz, caseworker("hz-station", HANGZHOU), "social_insurance", TODAY.isoformat()),
            (works_in_hz, caseworker("hz-station", HANGZHOU), "medical_insurance", TODAY.isoformat()),
            (works_in_hz, caseworker("desk", COUNTY), "schooling", TODAY.isoformat()),
            (works_in_hz, caseworker("desk", COUNTY), "documents", last_month),
            (other, caseworker("d", OTHER_COUNTY), "social_insurance", TODAY.isoformat()),
        ]
        for case, who, matter, day in done:
            body = {"matter": matter, "done_on": day, "note": "已代为办理"}
            recorded = await http.post(f"/cases/{case['case_id']}/proxy-services", json=body, headers=who)
            assert recorded.status_code == 201, recorded.text

        for area in ("52", "33"):
            for level, digits in (("province", 2), ("city", 4), ("county", 6)):
                assert await served(http, level, area) == await recount(stack.casework.pool, digits, area), (
                    area,
                    level,
                )
        rows, totals = await served(http, "county", "52")
        this_month = TODAY.strftime("%Y-%m")
        assert rows[(this_month, COUNTY)] == {"services": 1, "by_matter": {"schooling": 1}, "cases": 1}
        assert totals[(this_month, "52")]["services"] == 2  # our county and the other one; 杭州's are 浙江's
        hz_rows, _ = await served(http, "city", "33")
        assert hz_rows[(this_month, HANGZHOU)]["services"] == 2

        download = await http.get(
            "/ledgers/proxy", params={"level": "county", "format": "csv"} | MONTHS, headers=caseworker("d", "52")
        )
        table = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
        assert table[0][:4] == ["月份", "区划代码", "代办事项数", "涉及诉求数"] and "社保关系转移接续" in table[0]
        assert [line[1] for line in table[1:]] == [COUNTY, OTHER_COUNTY, COUNTY, "52 合计", "52 合计"]
        xlsx = await http.get(
            "/ledgers/proxy", params={"level": "city", "format": "xlsx"} | MONTHS, headers=caseworker("d", "33")
        )
        sheet = load_workbook(io.BytesIO(xlsx.content)).active
        assert [[c.value for c in row][:3] for row in sheet.iter_rows()][1] == [this_month, HANGZHOU, 2]

    await log_settled(stack.casework.pool)
    async with stack.casework.pool.acquire() as conn:
        await rebuild_projections(conn, CASEWORK)
    async with stack.casework.client() as http:
        for area in ("52", "33"):
            assert await served(http, "county", area) == await recount(stack.casework.pool, 6, area)
        timeline = (await http.get(f"/cases/{works_in_hz['case_id']}/timeline", headers=caseworker())).json()
    assert [e["label"] for e in timeline["entries"]].count("代办") == 4


async def test_bad_proxy_services_are_refused_in_chinese_and_change_nothing(stack):
    member = await stack.register_member(73)
    async with stack.casework.client() as http:
        case = (await http.post("/cases", json=case_body(member), headers=caseworker())).json()
        url = f"/cases/{case['case_id']}/proxy-services"
        tomorrow = (TODAY + timedelta(days=2)).isoformat()
        future = await http.post(
            url, json={"matter": "schooling", "done_on": tomorrow, "note": "x"}, headers=caseworker()
        )
        unknown = await http.post(
            url, json={"matter": "taxes", "done_on": TODAY.isoformat(), "note": "x"}, headers=caseworker()
        )
        blank = await http.post(
            url, json={"matter": "other", "done_on": TODAY.isoformat(), "note": " "}, headers=caseworker()
        )
        outside = await http.post(
            url,
            json={"matter": "other", "done_on": TODAY.isoformat(), "note": "x"},
            headers=caseworker("x", OTHER_COUNTY),
        )
        outside_ledger = await http.get("/ledgers/proxy", params={"area": OTHER_COUNTY}, headers=caseworker())
    assert future.status_code == 422 and future.json()["detail"] == "代办日期不能晚于今天"
    assert unknown.status_code == 422 and blank.status_code == 422
    assert outside.status_code == 404
    assert outside_ledger.status_code == 403 and outside_ledger.json()["detail"] == "无权查看管辖范围以外地区的台账"
    assert await stack.count("SELECT count(*) FROM service_ledger_proxy") == 0


async def test_after_a_proxy_service_the_case_takes_the_next_step_at_the_version_it_shows(stack):
    member = await stack.register_member(74)
    async with stack.casework.client() as http:
        case = (await http.post("/cases", json=case_body(member), headers=caseworker())).json()
        body = {"matter": "documents", "done_on": TODAY.isoformat(), "note": "代为补办证明"}
        recorded = await http.post(f"/cases/{case['case_id']}/proxy-services", json=body, headers=caseworker())
        assert recorded.status_code == 201, recorded.text
        shown = (await http.get(f"/cases/{case['case_id']}", headers=caseworker())).json()
        accepted = await http.post(
            f"/cases/{case['case_id']}/accept", headers=caseworker() | {"If-Match": f'"{shown["version"]}"'}
        )
    assert shown["version"] == case["version"] + 1
    assert accepted.status_code == 200, accepted.text

"""Casework over real HTTP, PostgreSQL and Kafka, with the real roster feeding its member directory."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta

from kite_casework.application.open_case import open_case
from kite_casework.domain.case import CaseRequest
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.sla import Urgency
from kite_casework.service import SERVICE as CASEWORK
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.rebuild import rebuild_projections
from kite_common.runtime import ServiceRuntime
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.stack import answer, auth, eventually

from .conftest import COUNTY, ORIGIN, OTHER_COUNTY, case_body, caseworker

OPENED = "kite.casework.case-opened.v1"
ACCEPTED = "kite.casework.case-accepted.v1"


async def test_open_stores_case_opened_with_its_deadline_and_lists_it(stack, infra, prefix):
    member_id = await stack.register_member(1)
    async with stack.casework.client(headers=caseworker()) as http:
        created = await http.post("/cases", json=case_body(member_id))
        assert created.status_code == 201, created.text
        case = created.json()
        assert created.headers["location"] == f"/cases/{case['case_id']}"
        assert created.headers["etag"] == '"1"'
        assert case["status"] == "open" and case["status_label"] == "待受理"
        assert case["category_label"] == "欠薪"
        assert case["sla_tier"] == "hour" and case["sla_tier_label"] == "一小时办结"
        opened_at = datetime.fromisoformat(case["opened_at"])
        assert datetime.fromisoformat(case["deadline"]) - opened_at == timedelta(hours=1)
        assert abs(utcnow() - opened_at) < timedelta(minutes=1)
        assert case["origin_division_code"] == ORIGIN and case["opened_by"] == "desk-1"
        assert case["overdue"] is False and case["accepted_by"] is None

        assert (await http.get(f"/cases/{case['case_id']}")).json() == case
        for params in (
            {},
            {"member_id": str(member_id)},
            {"category": "wage_arrears"},
            {"status": "open"},
            {"overdue": "false"},
        ):
            listed = (await http.get("/cases", params=params)).json()
            assert [c["case_id"] for c in listed["items"]] == [case["case_id"]], params
        for params in (
            {"category": "medical"},
            {"status": "accepted"},
            {"overdue": "true"},
            {"member_id": str(uuid.uuid4())},
        ):
            assert (await http.get("/cases", params=params)).json()["items"] == [], params

    viewer = auth(["viewer"], COUNTY)
    async with stack.casework.client(headers=viewer) as http:
        assert (await http.get(f"/cases/{case['case_id']}")).json()["case_id"] == case["case_id"]

    rows = await stack.casework.pool.fetch("SELECT type, data FROM events")
    assert [r["type"] for r in rows] == [OPENED]
    data = rows[0]["data"] if isinstance(rows[0]["data"], dict) else json.loads(rows[0]["data"])
    assert data["origin_division_code"] == ORIGIN and data["sla_tier"] == "hour"
    assert datetime.fromisoformat(data["deadline"]) == datetime.fromisoformat(case["deadline"])

    [message] = await read_messages(infra.bootstrap, f"{prefix}casework.events", 1)
    assert message.headers["ce_type"] == OPENED.encode()
    assert message.key == f"case-{case['case_id']}".encode()
    assert json.loads(message.value)["case_id"] == case["case_id"]


async def test_unknown_member_is_422_and_nothing_is_stored(stack):
    async with stack.casework.client(headers=caseworker()) as http:
        response = await http.post("/cases", json=case_body(uuid.uuid4()))
    assert response.status_code == 422, response.text
    problem = response.json()
    assert response.headers["content-type"].startswith("application/problem+json")
    assert problem["detail"].startswith("未找到该人员")
    assert problem["type"].endswith("/member-unknown")
    assert await stack.count("SELECT count(*) FROM events") == 0
    assert await stack.count("SELECT count(*) FROM cases") == 0


async def test_another_countys_member_and_cases_are_out_of_reach(stack):
    member_id = await stack.register_member(2)
    async with stack.casework.client() as http:
        other = caseworker("nanming", OTHER_COUNTY)
        foreign = await http.post("/cases", json=case_body(member_id), headers=other)
        nobody = await http.post("/cases", json=case_body(uuid.uuid4()), headers=other)
        assert foreign.status_code == 422, foreign.text
        assert answer(foreign) == answer(nobody)
        as_viewer = await http.post("/cases", json=case_body(member_id), headers=auth(["viewer"], COUNTY))
        assert as_viewer.status_code == 403
        assert await stack.count("SELECT count(*) FROM events") == 0

        case = (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json()
        theirs = await http.get(f"/cases/{case['case_id']}", headers=other)
        assert theirs.status_code == 404
        assert answer(theirs) == answer(await http.get(f"/cases/{uuid.uuid4()}", headers=other))
        assert (await http.get("/cases", headers=other)).json()["items"] == []
        accept_theirs = await http.post(f"/cases/{case['case_id']}/accept", headers=other)
        assert accept_theirs.status_code == 404
        assert answer(accept_theirs) == answer(await http.post(f"/cases/{uuid.uuid4()}/accept", headers=other))
        province = caseworker("guizhou", "52")
        assert [c["case_id"] for c in (await http.get("/cases", headers=province)).json()["items"]] == [case["case_id"]]
    assert await stack.count("SELECT count(*) FROM events WHERE type = $1", ACCEPTED) == 0


async def test_concurrent_accepts_one_owner_one_conflict_one_event(stack):
    member_id = await stack.register_member(3)
    async with stack.casework.client() as http:
        cases = [(await http.post("/cases", json=case_body(member_id), headers=caseworker())).json() for _ in range(3)]
        for case in cases:
            workers = ["wang", "li", "zhao", "sun"]
            results = await asyncio.gather(
                *(http.post(f"/cases/{case['case_id']}/accept", headers=caseworker(w)) for w in workers)
            )
            assert sorted(r.status_code for r in results) == [200, 409, 409, 409], [r.text for r in results]
            [winner] = [w for w, r in zip(workers, results, strict=True) if r.status_code == 200]
            accepted = next(r for r in results if r.status_code == 200).json()
            assert accepted["status"] == "accepted" and accepted["accepted_by"] == winner
            assert accepted["version"] == 2
            for r in results:
                if r.status_code == 409:
                    assert r.json()["accepted_by"] == winner and winner in r.json()["detail"]
            got = (await http.get(f"/cases/{case['case_id']}", headers=caseworker())).json()
            assert got["accepted_by"] == winner and got["status_label"] == "已受理"
            again = await http.post(f"/cases/{case['case_id']}/accept", headers=caseworker(winner))
            assert again.status_code == 409 and again.json()["detail"] == "该诉求已由您受理"
            mine = (await http.get("/cases", params={"accepted_by": winner}, headers=caseworker())).json()
            assert case["case_id"] in [c["case_id"] for c in mine["items"]]
    assert await stack.count("SELECT count(*) FROM events WHERE type = $1", ACCEPTED) == 3
    assert await stack.count("SELECT count(*) FROM outbox WHERE headers::text LIKE '%case-accepted%'") in (0, 3)


async def test_if_match_guards_against_acting_on_a_stale_case(stack):
    member_id = await stack.register_member(4)
    async with stack.casework.client(headers=caseworker("wang")) as http:
        case = (await http.post("/cases", json=case_body(member_id))).json()
        stale = await http.post(f"/cases/{case['case_id']}/accept", headers={"If-Match": '"7"'})
        assert stale.status_code == 412, stale.text
        assert stale.json()["current_version"] == 1
        assert (await http.post(f"/cases/{case['case_id']}/accept", headers={"If-Match": "abc"})).status_code == 400
        assert await stack.count("SELECT count(*) FROM events WHERE type = $1", ACCEPTED) == 0
        ok = await http.post(f"/cases/{case['case_id']}/accept", headers={"If-Match": f'"{case["version"]}"'})
        assert ok.status_code == 200 and ok.headers["etag"] == '"2"'
        assert (await http.post(f"/cases/{uuid.uuid4()}/accept")).status_code == 404


BAD_INPUT = [
    ({"category": "lottery"}, "category"),
    ({"urgency": "whenever"}, "urgency"),
    ({"description": None}, "description"),
    ({"description": ""}, "description"),
    ({"description": "长" * 2001}, "description"),
    ({"urgency": None}, "urgency"),
    ({"member_id": "not-a-uuid"}, "member_id"),
    ({"member_id": 12345}, "member_id"),
    ({"category": ["wage_arrears"]}, "category"),
    ({"opened_by": "someone-else"}, "opened_by"),
]


async def test_bad_input_is_a_problem_and_stores_nothing(stack):
    member_id = await stack.register_member(5)  # a real member: only the named field is wrong
    async with stack.casework.client(headers=caseworker()) as http:
        for override, field in BAD_INPUT:
            body = {k: v for k, v in case_body(member_id, **override).items() if v is not None}
            response = await http.post("/cases", json=body)
            assert response.status_code == 422, (override, response.text)
            problem = response.json()
            assert problem["status"] == 422 and response.headers["content-type"].startswith("application/problem+json")
            assert any(e["field"] == field for e in problem["errors"]), (override, problem)
            assert problem["detail"], override
        not_json = await http.post("/cases", content=b"{", headers={"content-type": "application/json"})
        assert not_json.status_code == 422
    assert await stack.count("SELECT count(*) FROM events") == 0
    assert await stack.count("SELECT count(*) FROM cases") == 0


async def test_personal_numbers_typed_into_a_description_are_masked_everywhere(stack):
    member_id = await stack.register_member(6)
    text = "本人电话13912345678，身份证522631199001010011，被拖欠工资"
    async with stack.casework.client(headers=caseworker()) as http:
        case = (await http.post("/cases", json=case_body(member_id, description=text))).json()
    assert case["description"] == "本人电话139****5678，身份证522631********0011，被拖欠工资"
    dump = await stack.casework.pool.fetchval(
        "SELECT (SELECT string_agg(data::text, '|') FROM events) || (SELECT string_agg(t::text, '|') FROM cases t)"
    )
    assert "13912345678" not in dump and "522631199001010011" not in dump


async def test_overdue_and_due_soon_cases_are_found(stack):
    member_id = await stack.register_member(7)
    principal = Principal("desk-1", frozenset({"caseworker"}), COUNTY)
    runtime = ServiceRuntime(CASEWORK, stack.casework.pool, stack.casework.kafka)
    long_ago = utcnow() - timedelta(days=30)
    late = await open_case(
        runtime.unit_of_work(),
        principal,
        CaseRequest(member_id, CaseCategory.CERTIFICATE, Urgency.NORMAL, "开具务工证明"),
        now=long_ago,
    )
    async with stack.casework.client(headers=caseworker()) as http:
        soon = (await http.post("/cases", json=case_body(member_id, category="work_injury"))).json()
        later = (await http.post("/cases", json=case_body(member_id, urgency="low"))).json()
        assert soon["sla_tier"] == "quarter_hour" and later["sla_tier"] == "month"

        overdue = (await http.get("/cases", params={"overdue": "true"})).json()["items"]
        assert [c["case_id"] for c in overdue] == [str(late)] and overdue[0]["overdue"] is True
        on_time = (await http.get("/cases", params={"overdue": "false"})).json()["items"]
        assert [c["case_id"] for c in on_time] == [soon["case_id"], later["case_id"]]
        within_hour = (utcnow() + timedelta(hours=1)).isoformat()
        due = (await http.get("/cases", params={"due_before": within_hour})).json()["items"]
        assert [c["case_id"] for c in due] == [str(late), soon["case_id"]]
        assert (await http.get("/cases", params={"due_before": "2024-01-01T00:00:00"})).status_code == 422


async def test_list_pages_by_cursor_through_every_case(stack):
    member_id = await stack.register_member(8)
    async with stack.casework.client(headers=caseworker()) as http:
        ids = [(await http.post("/cases", json=case_body(member_id))).json()["case_id"] for _ in range(5)]
        seen: list[str] = []
        cursor = None
        while True:
            params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await http.get("/cases", params=params)).json()
            seen += [c["case_id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == ids
        assert (await http.get("/cases", params={"cursor": "!!"})).status_code == 400


async def test_rebuilt_cases_equal_the_live_table(stack):
    member_id = await stack.register_member(9)
    async with stack.casework.client() as http:
        for i in range(4):
            case = (
                await http.post(
                    "/cases", json=case_body(member_id, category=["medical", "other"][i % 2]), headers=caseworker()
                )
            ).json()
            if i % 2 == 0:
                assert (await http.post(f"/cases/{case['case_id']}/accept", headers=caseworker(f"w{i}"))).is_success
    pool = stack.casework.pool
    live = [dict(r) for r in await pool.fetch("SELECT * FROM cases ORDER BY case_id")]

    async def all_readable() -> bool:  # a rebuild reads what committed before every open transaction
        readable = "SELECT count(*) FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())"
        return await stack.count(readable) == 6

    await eventually(all_readable)  # on a shared server, others' transactions can hold it back a moment
    async with pool.acquire() as conn:
        replayed = await rebuild_projections(conn, CASEWORK)
    assert replayed == 6
    assert [dict(r) for r in await pool.fetch("SELECT * FROM cases ORDER BY case_id")] == live
    assert len(live) == 4 and sum(r["status"] == "accepted" for r in live) == 2
    # the member directory is not a projection of casework's own events: a rebuild keeps it
    assert await stack.count("SELECT count(*) FROM member_directory") == 1

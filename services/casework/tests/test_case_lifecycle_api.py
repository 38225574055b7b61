"""The case lifecycle over real HTTP, PostgreSQL and Kafka: 待受理 → 已受理 → 办理中 → 已办结 → 回访 →
已结案, with reopening, hand-over, suspension, the deadline queue and the timeline."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

import httpx
from kite_casework.application.open_case import open_case
from kite_casework.domain.case import CaseRequest
from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.sla import SlaTier, Urgency, deadline
from kite_casework.service import SERVICE as CASEWORK
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.rebuild import rebuild_projections
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.stack import answer, auth

from .conftest import COUNTY, OTHER_COUNTY, case_body, caseworker


async def act(
    http: httpx.AsyncClient, case: dict[str, Any], verb: str, who: str, body: dict[str, Any] | None = None
) -> dict[str, Any]:
    """`who` takes a step on the case as they last saw it (If-Match); returns the case after it."""
    response = await http.post(
        f"/cases/{case['case_id']}/{verb}", json=body, headers=caseworker(who) | {"If-Match": f'"{case["version"]}"'}
    )
    assert response.status_code == 200, (verb, response.text)
    after: dict[str, Any] = response.json()
    assert response.headers["etag"] == f'"{after["version"]}"' and after["version"] > case["version"]
    return after


async def refused(
    http: httpx.AsyncClient, case: dict[str, Any], verb: str, who: str, body: dict[str, Any] | None = None
) -> httpx.Response:
    return await http.post(f"/cases/{case['case_id']}/{verb}", json=body, headers=caseworker(who))


async def test_the_whole_loop_from_open_to_closed_with_a_reopen_after_an_unsatisfied_follow_up(stack, infra, prefix):
    member_id = await stack.register_member(21)
    async with stack.casework.client() as http:
        body = case_body(member_id, urgency="normal")  # 欠薪, 一般: 一周办结
        case = (await http.post("/cases", json=body, headers=caseworker("desk"))).json()
        case = await act(http, case, "accept", "wang")

        case = await act(http, case, "progress", "wang", {"note": "已联系用人单位，对方电话13812345678"})
        assert (case["status"], case["status_label"], case["progress_count"]) == ("in_progress", "办理中", 1)

        case = await act(http, case, "resolve", "wang", {"outcome": "partly_resolved", "summary": "追回工资8000元"})
        assert (case["status"], case["status_label"], case["outcome_label"]) == ("resolved", "已办结", "部分解决")
        assert case["resolution"] == "追回工资8000元" and case["resolved_by"] == "wang" and case["overdue"] is False

        before = utcnow()
        follow_up = {"reached": True, "satisfaction": "unsatisfied", "comment": "仍欠一半工资"}
        case = await act(http, case, "follow-ups", "desk", follow_up)
        assert (case["status"], case["status_label"], case["accepted_by"]) == ("reopened", "重新办理", "wang")
        assert case["satisfaction_label"] == "不满意"
        new_deadline = datetime.fromisoformat(case["deadline"])
        assert deadline(before, SlaTier.WEEK) <= new_deadline <= deadline(utcnow(), SlaTier.WEEK)  # 5 working days
        queue = (
            await http.get("/cases", params={"accepted_by": "wang", "status": "reopened"}, headers=caseworker())
        ).json()
        assert [c["case_id"] for c in queue["items"]] == [case["case_id"]]

        case = await act(http, case, "progress", "wang", {"note": "再次约谈用人单位"})
        assert case["status"] == "in_progress" and case["progress_count"] == 2
        case = await act(http, case, "resolve", "wang", {"outcome": "resolved", "summary": "余款已付清"})
        assert case["follow_up_attempts"] == 0 and case["satisfaction"] is None
        case = await act(http, case, "follow-ups", "desk", {"reached": True, "satisfaction": "neutral"})
        assert (case["status"], case["status_label"]) == ("closed", "已结案")
        assert (case["close_reason"], case["close_reason_label"]) == ("follow_up_satisfied", "回访满意")
        assert case["closed_at"] is not None and case["satisfaction_label"] == "基本满意" and case["overdue"] is False

        late = await refused(http, case, "progress", "wang", {"note": "补充"})
        assert late.status_code == 409 and late.json()["type"].endswith("/case-status")
        assert late.json()["case_status"] == "closed"
        assert "已结案" in late.json()["detail"]

        timeline = (await http.get(f"/cases/{case['case_id']}/timeline", headers=auth(["viewer"], COUNTY))).json()
    steps = [(e["label"], e["actor"]) for e in timeline["entries"]]
    assert steps == [
        ("登记诉求", "desk"),
        ("受理（首问负责）", "wang"),
        ("办理进展", "wang"),
        ("办结", "wang"),
        ("回访", "desk"),
        ("重新办理", "desk"),
        ("办理进展", "wang"),
        ("办结", "wang"),
        ("回访", "desk"),
        ("结案", "desk"),
    ]
    entries = timeline["entries"]
    assert [e["position"] for e in entries] == list(range(1, 11))
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert entries[2]["detail"] == "已联系用人单位，对方电话138****5678"
    assert entries[3]["detail"] == "部分解决：追回工资8000元"
    assert entries[4]["detail"] == "已联系上，不满意：仍欠一半工资"

    types = [
        "case-opened",
        "case-accepted",
        "case-progress-noted",
        "case-resolved",
        "case-follow-up-recorded",
        "case-reopened",
        "case-progress-noted",
        "case-resolved",
        "case-follow-up-recorded",
        "case-closed",
    ]
    stored = await stack.casework.pool.fetch("SELECT type, data::text AS data FROM events ORDER BY stream_version")
    assert [r["type"] for r in stored] == [f"kite.casework.{t}.v1" for t in types]
    assert all("13812345678" not in r["data"] for r in stored)
    published = await read_messages(infra.bootstrap, f"{prefix}casework.events", len(types))
    assert [m.headers["ce_type"].decode() for m in published] == [f"kite.casework.{t}.v1" for t in types]
    assert {m.key for m in published} == {f"case-{case['case_id']}".encode()}


async def test_a_case_is_closed_only_after_follow_up(stack, monkeypatch):
    monkeypatch.setenv("KITE_CASEWORK_FOLLOW_UP_ATTEMPTS", "2")
    member_id = await stack.register_member(22)
    async with stack.casework.client() as http:
        case = (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json()
        case = await act(http, case, "accept", "wang")
        early = await refused(http, case, "close", "wang")
        assert early.status_code == 409 and early.json()["type"].endswith("/case-not-resolved")
        assert early.json()["detail"].startswith("该诉求尚未办结，不能结案")

        case = await act(http, case, "resolve", "wang", {"outcome": "resolved", "summary": "已协调发放"})
        unasked = await refused(http, case, "close", "wang")
        assert unasked.status_code == 409, unasked.text
        problem = unasked.json()
        assert problem["type"].endswith("/follow-up-required") and problem["detail"].startswith("未经回访不能结案")
        assert (problem["follow_up_attempts"], problem["required_attempts"]) == (0, 2)

        no_answer = await refused(http, case, "follow-ups", "desk", {"reached": True})
        assert no_answer.status_code == 422 and no_answer.json()["errors"][0]["field"] == "satisfaction"

        case = await act(http, case, "follow-ups", "desk", {"reached": False, "comment": "电话关机"})
        assert case["status"] == "resolved" and case["follow_up_attempts"] == 1
        assert (await refused(http, case, "close", "wang")).json()["follow_up_attempts"] == 1
        case = await act(http, case, "follow-ups", "desk", {"reached": False, "comment": "仍无人接听"})
        assert case["follow_up_attempts"] == 2

        not_owner = await refused(http, case, "close", "desk")
        assert not_owner.status_code == 403 and not_owner.json()["accepted_by"] == "wang"
        case = await act(http, case, "close", "wang")
        assert (case["status"], case["close_reason_label"]) == ("closed", "无法联系")
    assert await stack.count("SELECT count(*) FROM events WHERE type = 'kite.casework.case-closed.v1'") == 1


async def test_a_transfer_is_declined_then_accepted_and_the_receiver_owns_the_case(stack):
    member_id = await stack.register_member(23)
    async with stack.casework.client() as http:
        case = (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json()
        assert (await refused(http, case, "transfer", "wang", {"to": "li", "reason": "x"})).status_code == 409
        case = await act(http, case, "accept", "wang")
        by_other = await refused(http, case, "transfer", "li", {"to": "zhao", "reason": "x"})
        assert by_other.status_code == 403 and by_other.json()["type"].endswith("/not-case-owner")

        case = await act(http, case, "transfer", "wang", {"to": "li", "reason": "涉及工伤认定，转劳动保障专干"})
        assert case["pending_transfer_to"] == "li" and case["accepted_by"] == "wang"
        case = await act(http, case, "progress", "wang", {"note": "转办期间继续跟进"})
        assert (await refused(http, case, "progress", "li", {"note": "x"})).status_code == 403
        case = await act(http, case, "transfer/decline", "li", {"reason": "不属于我的业务范围"})
        assert case["pending_transfer_to"] is None and case["accepted_by"] == "wang"
        none_pending = await refused(http, case, "transfer/accept", "li")
        assert none_pending.status_code == 409 and none_pending.json()["type"].endswith("/no-pending-transfer")

        case = await act(http, case, "transfer", "wang", {"to": "li", "reason": "已与李同志沟通"})
        stranger = await refused(http, case, "transfer/accept", "zhao")
        assert stranger.status_code == 403 and stranger.json()["transfer_to"] == "li"
        case = await act(http, case, "transfer/accept", "li")
        assert case["accepted_by"] == "li" and case["pending_transfer_to"] is None
        assert (await refused(http, case, "progress", "wang", {"note": "x"})).status_code == 403
        case = await act(http, case, "progress", "li", {"note": "已接手"})
        mine = (await http.get("/cases", params={"accepted_by": "li"}, headers=caseworker())).json()["items"]
        assert [c["case_id"] for c in mine] == [case["case_id"]]
        assert (await http.get("/cases", params={"accepted_by": "wang"}, headers=caseworker())).json()["items"] == []
        timeline = (await http.get(f"/cases/{case['case_id']}/timeline", headers=caseworker())).json()["entries"]
    assert [(e["label"], e["actor"], e["detail"]) for e in timeline[2:]] == [
        ("申请转办", "wang", "转给 li：涉及工伤认定，转劳动保障专干"),
        ("办理进展", "wang", "转办期间继续跟进"),
        ("拒绝转办", "li", "不属于我的业务范围"),
        ("申请转办", "wang", "转给 li：已与李同志沟通"),
        ("接收转办", "li", "由 wang 转来"),
        ("办理进展", "li", "已接手"),
    ]


async def test_suspension_stops_the_clock_and_resuming_moves_the_deadline_by_the_time_suspended(stack):
    member_id = await stack.register_member(24)
    principal = Principal("desk-1", frozenset({"caseworker"}), COUNTY)
    request = CaseRequest(member_id, CaseCategory.CERTIFICATE, Urgency.NORMAL, "开具务工证明")  # 一天办结
    late_id = await open_case(stack.casework.runtime.unit_of_work(), principal, request, utcnow() - timedelta(days=30))
    async with stack.casework.client(headers=caseworker()) as http:
        case = (await http.get(f"/cases/{late_id}")).json()
        assert case["overdue"] is True
        case = await act(http, case, "accept", "wang")
        case = await act(http, case, "suspend", "wang", {"reason": "等待求助人补充材料"})
        assert case["suspended"] is True and case["overdue"] is False and case["status"] == "accepted"
        assert (await http.get("/cases", params={"overdue": "true"})).json()["items"] == []
        assert [c["case_id"] for c in (await http.get("/cases", params={"suspended": "true"})).json()["items"]] == [
            str(late_id)
        ]
        assert (await http.get("/cases", params={"suspended": "false"})).json()["items"] == []
        for verb, body in (("progress", {"note": "x"}), ("resolve", {"outcome": "resolved", "summary": "x"})):
            blocked = await refused(http, case, verb, "wang", body)
            assert blocked.status_code == 409 and blocked.json()["detail"] == "该诉求已暂停办理，请先恢复办理", verb
        assert (await refused(http, case, "resume", "li")).status_code == 403

        suspended_at = datetime.fromisoformat(case["suspended_since"])
        old_deadline = datetime.fromisoformat(case["deadline"])
        case = await act(http, case, "resume", "wang")
        assert case["suspended"] is False and case["suspended_since"] is None
        entries = (await http.get(f"/cases/{late_id}/timeline")).json()["entries"]
        resumed_at = datetime.fromisoformat(entries[-1]["at"])
        assert [e["label"] for e in entries[-2:]] == ["暂停办理", "恢复办理"]
        assert entries[-2]["detail"] == "等待求助人补充材料"
        assert datetime.fromisoformat(case["deadline"]) - old_deadline == resumed_at - suspended_at > timedelta(0)
        assert case["overdue"] is True  # still a day late: the time suspended is not counted, the rest is
        assert [c["case_id"] for c in (await http.get("/cases", params={"overdue": "true"})).json()["items"]] == [
            str(late_id)
        ]
        case = await act(http, case, "progress", "wang", {"note": "材料已补齐"})


async def test_every_step_checks_if_match_jurisdiction_and_role(stack):
    member_id = await stack.register_member(25)
    async with stack.casework.client() as http:
        case = (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json()
        case = await act(http, case, "accept", "wang")
        steps = [
            ("progress", {"note": "x"}),
            ("resolve", {"outcome": "resolved", "summary": "x"}),
            ("follow-ups", {"reached": False}),
            ("close", None),
            ("transfer", {"to": "li", "reason": "x"}),
            ("transfer/accept", None),
            ("transfer/decline", {"reason": "x"}),
            ("suspend", {"reason": "x"}),
            ("resume", None),
        ]
        for verb, body in steps:
            url = f"/cases/{case['case_id']}/{verb}"
            stale = await http.post(url, json=body, headers=caseworker("wang") | {"If-Match": '"1"'})
            assert stale.status_code == 412 and stale.json()["current_version"] == 2, verb
            outsider = caseworker("wang", OTHER_COUNTY)
            outside = await http.post(url, json=body, headers=outsider)
            nowhere = await http.post(f"/cases/{uuid.uuid4()}/{verb}", json=body, headers=outsider)
            assert outside.status_code == 404 and answer(outside) == answer(nowhere), verb
            viewer = await http.post(url, json=body, headers=auth(["viewer"], COUNTY, subject="wang"))
            assert viewer.status_code == 403, verb
            unknown = await http.post(f"/cases/{uuid.uuid4()}/{verb}", json=body, headers=caseworker("wang"))
            assert unknown.status_code == 404, verb
        blank = await refused(http, case, "progress", "wang", {"note": "   "})
        assert blank.status_code == 422 and blank.json()["errors"][0]["field"] == "note"
        other = caseworker("nanming", OTHER_COUNTY)
        theirs = await http.get(f"/cases/{case['case_id']}/timeline", headers=other)
        assert theirs.status_code == 404
        assert answer(theirs) == answer(await http.get(f"/cases/{uuid.uuid4()}/timeline", headers=other))
        assert (await http.get(f"/cases/{uuid.uuid4()}/timeline", headers=caseworker())).status_code == 404
    assert await stack.count("SELECT count(*) FROM events") == 2  # opened, accepted: nothing refused was stored


async def test_the_deadline_queue_puts_overdue_first_then_by_deadline_and_pages_by_keyset(stack):
    member_id = await stack.register_member(26)
    principal = Principal("desk-1", frozenset({"caseworker"}), COUNTY)
    request = CaseRequest(member_id, CaseCategory.CERTIFICATE, Urgency.NORMAL, "开具务工证明")
    long_ago = utcnow() - timedelta(days=30)
    late = str(await open_case(stack.casework.runtime.unit_of_work(), principal, request, long_ago))
    async with stack.casework.client(headers=caseworker()) as http:

        async def opened(**overrides: object) -> dict[str, Any]:
            return (await http.post("/cases", json=case_body(member_id, **overrides))).json()

        month = await opened(urgency="low")  # 一月
        quarter = await opened(category="work_injury")  # 一刻钟
        done = await act(http, await opened(), "accept", "wang")
        await act(http, done, "resolve", "wang", {"outcome": "resolved", "summary": "已办好"})
        paused = await act(http, await opened(urgency="high"), "accept", "wang")  # 一天, suspended: off the clock
        await act(http, paused, "suspend", "wang", {"reason": "等待法院判决"})

        seen: list[str] = []
        cursor = None
        while True:
            params = {"sort": "deadline", "limit": 2} | ({"cursor": cursor} if cursor else {})
            page = (await http.get("/cases", params=params)).json()
            seen += [c["case_id"] for c in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert seen == [late, quarter["case_id"], month["case_id"], *sorted([done["case_id"], paused["case_id"]])]
        by_id = (await http.get("/cases", params={"limit": 2})).json()["next_cursor"]
        assert (await http.get("/cases", params={"sort": "deadline", "cursor": by_id})).status_code == 400
        outside = (await http.get("/cases", params={"sort": "deadline"}, headers=caseworker("x", OTHER_COUNTY))).json()
        assert outside["items"] == []
    async with stack.casework.pool.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")  # a handful of rows: ask whether the index can serve it
        plan = await conn.fetchval(
            "EXPLAIN (FORMAT JSON) SELECT case_id FROM cases ORDER BY clock_deadline NULLS LAST, case_id LIMIT 10"
        )
    assert "cases_clock_deadline" in json.dumps(plan) and '"Sort"' not in json.dumps(plan)


async def test_rebuilt_cases_and_timeline_equal_the_live_tables_after_the_whole_lifecycle(stack):
    member_id = await stack.register_member(27)
    async with stack.casework.client() as http:
        a = await act(
            http, (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json(), "accept", "wang"
        )
        a = await act(http, a, "transfer", "wang", {"to": "li", "reason": "换人"})
        a = await act(http, a, "transfer/accept", "li")
        a = await act(http, a, "suspend", "li", {"reason": "等待"})
        a = await act(http, a, "resume", "li")
        a = await act(http, a, "progress", "li", {"note": "办理中"})
        a = await act(http, a, "resolve", "li", {"outcome": "unresolvable", "summary": "用人单位已注销"})
        a = await act(http, a, "follow-ups", "desk", {"reached": False})
        a = await act(http, a, "follow-ups", "desk", {"reached": True, "satisfaction": "unsatisfied"})
        b = await act(
            http, (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json(), "accept", "wang"
        )
        b = await act(http, b, "transfer", "wang", {"to": "li", "reason": "换人"})
        b = await act(http, b, "resolve", "wang", {"outcome": "resolved", "summary": "已办好"})
        await act(http, b, "follow-ups", "desk", {"reached": True, "satisfaction": "satisfied"})
    pool = stack.casework.pool
    queries = ("SELECT * FROM cases ORDER BY case_id", "SELECT * FROM case_timeline ORDER BY case_id, position")
    live = [[dict(r) for r in await pool.fetch(q)] for q in queries]
    async with pool.acquire() as conn:
        replayed = await rebuild_projections(conn, CASEWORK)
    assert replayed == await stack.count("SELECT count(*) FROM events") == 17
    assert [[dict(r) for r in await pool.fetch(q)] for q in queries] == live
    assert [r["status"] for r in live[0]] == ["reopened", "closed"] and len(live[1]) == 17

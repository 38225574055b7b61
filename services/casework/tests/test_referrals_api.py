"""Department referrals (部门转交) over real HTTP, PostgreSQL and Kafka: the owner refers and keeps
the case, the department answers within its deadline (a late answer is kept and marked), the case is
not resolved while a referral is open, every step is on casework.events and in the timeline."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from kite_casework.application.refer_case import refer_case
from kite_casework.service import SERVICE as CASEWORK
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.identifiers.credit_code import check_character
from kite_common.ids import new_id
from kite_common.rebuild import rebuild_projections
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.stack import auth, eventually

from .conftest import COUNTY, OTHER_COUNTY, case_body, caseworker


async def accepted_case(stack: Any, http: httpx.AsyncClient, seq: int) -> dict[str, Any]:
    member_id = await stack.register_member(seq)
    case = (await http.post("/cases", json=case_body(member_id, urgency="normal"), headers=caseworker())).json()
    accepted: dict[str, Any] = (await http.post(f"/cases/{case['case_id']}/accept", headers=caseworker("wang"))).json()
    return accepted


def referral(department: str = "human_resources", days: int = 3) -> dict[str, str]:
    deadline = (utcnow() + timedelta(days=days)).isoformat()
    return {"department": department, "question": "请协调用人单位支付拖欠工资", "deadline": deadline}


async def test_refer_answer_then_resolve_with_every_step_published(stack, infra, prefix):
    async with stack.casework.client() as http:
        departments = (await http.get("/referral-departments", headers=caseworker())).json()
        case = await accepted_case(stack, http, 41)
        url = f"/cases/{case['case_id']}"
        referred = await http.post(f"{url}/referrals", json=referral(), headers=caseworker("wang"))
        assert referred.status_code == 201, referred.text
        assert referred.json()["open_referrals"] == 1 and referred.json()["accepted_by"] == "wang"  # owner keeps it

        before = await http.get(url, headers=caseworker())
        blocked = await http.post(
            f"{url}/resolve", json={"outcome": "resolved", "summary": "已追回"}, headers=caseworker("wang")
        )
        assert blocked.status_code == 409 and blocked.json()["type"].endswith("/referral-open")
        assert "人社" in blocked.json()["detail"] and blocked.json()["open_referrals"] == ["人社"]
        assert (await http.get(url, headers=caseworker())).json() == before.json()  # nothing changed

        (item,) = (await http.get(f"{url}/referrals", headers=caseworker())).json()["items"]
        assert (item["department_name"], item["state"], item["state_label"], item["overdue"]) == (
            "人社",
            "open",
            "待答复",
            False,
        )
        reply = {"reply": "已约谈用人单位，承诺月底前支付", "answered_by": "人社局劳动监察大队 李科长"}
        answered = await http.post(
            f"{url}/referrals/{item['referral_id']}/answer", json=reply, headers=caseworker("liaison")
        )
        assert answered.status_code == 200 and answered.json()["open_referrals"] == 0
        twice = await http.post(f"{url}/referrals/{item['referral_id']}/answer", json=reply, headers=caseworker())
        assert twice.status_code == 409 and "已答复" in twice.json()["detail"]

        (item,) = (await http.get(f"{url}/referrals", headers=caseworker())).json()["items"]
        assert (item["state"], item["answered_by"], item["recorded_by"], item["late"]) == (
            "answered",
            "人社局劳动监察大队 李科长",
            "liaison",
            False,
        )
        resolved = await http.post(
            f"{url}/resolve", json={"outcome": "resolved", "summary": "已追回"}, headers=caseworker("wang")
        )
        assert resolved.status_code == 200
        timeline = (await http.get(f"{url}/timeline", headers=auth(["viewer"], COUNTY))).json()["entries"]
    assert {"人社", "司法/法律援助", "医保", "教育", "民政", "住建", "公安", "卫健"} <= {d["name"] for d in departments}
    assert [e["label"] for e in timeline] == ["登记诉求", "受理（首问负责）", "转交部门", "部门答复", "办结"]
    assert timeline[2]["detail"].startswith("转交人社，答复期限") and timeline[3]["actor"] == "liaison"
    types = ["case-opened", "case-accepted", "case-referred", "case-referral-answered", "case-resolved"]
    published = await read_messages(infra.bootstrap, f"{prefix}casework.events", len(types))
    assert [m.headers["ce_type"].decode() for m in published] == [f"kite.casework.{t}.v1" for t in types]


async def test_a_withdrawn_referral_no_longer_holds_the_case(stack):
    async with stack.casework.client() as http:
        case = await accepted_case(stack, http, 42)
        url = f"/cases/{case['case_id']}"
        referred = (await http.post(f"{url}/referrals", json=referral("health"), headers=caseworker("wang"))).json()
        (item,) = (await http.get(f"{url}/referrals", headers=caseworker())).json()["items"]
        by_other = await http.post(
            f"{url}/referrals/{item['referral_id']}/withdraw", json={"reason": "不需要"}, headers=caseworker("li")
        )
        withdrawn = await http.post(
            f"{url}/referrals/{item['referral_id']}/withdraw",
            json={"reason": "已在医院解决"},
            headers=caseworker("wang") | {"If-Match": f'"{referred["version"]}"'},
        )
        resolved = await http.post(
            f"{url}/resolve", json={"outcome": "resolved", "summary": "已解决"}, headers=caseworker("wang")
        )
    assert by_other.status_code == 403
    assert withdrawn.status_code == 200 and withdrawn.json()["open_referrals"] == 0
    assert resolved.status_code == 200


async def test_bad_referrals_are_refused_in_chinese_and_change_nothing(stack):
    async with stack.casework.client() as http:
        case = await accepted_case(stack, http, 43)
        url = f"/cases/{case['case_id']}"
        unknown = await http.post(f"{url}/referrals", json=referral("foreign_office"), headers=caseworker("wang"))
        past = await http.post(f"{url}/referrals", json=referral(days=-1), headers=caseworker("wang"))
        naive = await http.post(
            f"{url}/referrals", json=referral() | {"deadline": "2030-01-01T08:00:00"}, headers=caseworker("wang")
        )
        not_owner = await http.post(f"{url}/referrals", json=referral(), headers=caseworker("li"))
        no_referral = await http.post(
            f"{url}/referrals/{uuid.uuid4()}/answer", json={"reply": "好", "answered_by": "人社"}, headers=caseworker()
        )
        member = auth(["member"], COUNTY, subject=case["member_id"])
        member_reads = await http.get(f"{url}/referrals", headers=member)
        after = (await http.get(url, headers=caseworker())).json()
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "department"
    assert unknown.json()["detail"] == "未知的部门"
    assert past.status_code == 422 and "答复期限" in past.json()["detail"]
    assert naive.status_code == 422 and "时区" in naive.json()["detail"]
    assert not_owner.status_code == 403 and "wang" in not_owner.json()["detail"]
    assert no_referral.status_code == 404 and no_referral.json()["detail"] == "未找到该转交"
    assert member_reads.status_code == 403
    assert after["version"] == case["version"] and after["open_referrals"] == 0
    assert await stack.count("SELECT count(*) FROM case_referrals") == 0


async def test_rebuilt_referrals_money_and_case_columns_equal_the_live_tables(stack):
    employer = {"name": "某公司", "credit_code": "91522631MA6DU1234" + check_character("91522631MA6DU1234")}
    async with stack.casework.client() as http:
        member_id = await stack.register_member(44)
        body = case_body(member_id, claimed_fen=900_000, employer=employer, work_division_code="3301")
        case = (await http.post("/cases", json=body, headers=caseworker())).json()
        url = f"/cases/{case['case_id']}"
        await http.post(f"{url}/accept", headers=caseworker("wang"))
        await http.post(f"{url}/referrals", json=referral("justice"), headers=caseworker("wang"))
        await http.post(f"{url}/referrals", json=referral("civil_affairs"), headers=caseworker("wang"))
        (first, second) = (await http.get(f"{url}/referrals", headers=caseworker())).json()["items"]
        reply = {"reply": "已指派律师", "answered_by": "法律援助中心 张律师"}
        await http.post(f"{url}/referrals/{first['referral_id']}/answer", json=reply, headers=caseworker())
        await http.post(
            f"{url}/referrals/{second['referral_id']}/withdraw", json={"reason": "无需"}, headers=caseworker("wang")
        )
        money = {"kind": "recovered", "amount_fen": 300_000, "on": utcnow().date().isoformat(), "note": "第一期"}
        assert (await http.post(f"{url}/money", json=money, headers=caseworker("wang"))).status_code == 201
    pool = stack.casework.pool
    tables = ("cases", "case_referrals", "case_money_entries", "case_timeline")
    keys = {"cases": "case_id", "case_referrals": "referral_id", "case_money_entries": "entry_id"}
    live = {
        t: [dict(r) for r in await pool.fetch(f"SELECT * FROM {t} ORDER BY {keys.get(t, 'case_id, position')}")]
        for t in tables
    }
    total = await stack.count("SELECT count(*) FROM events")

    # a rebuild reads events committed before every transaction still open (on a shared server, others')
    async def all_readable() -> bool:
        readable = "SELECT count(*) FROM events WHERE tx_id < pg_snapshot_xmin(pg_current_snapshot())"
        return await stack.count(readable) == total

    await eventually(all_readable)
    async with pool.acquire() as conn:
        assert await rebuild_projections(conn, CASEWORK) == total
    for t in tables:
        assert [
            dict(r) for r in await pool.fetch(f"SELECT * FROM {t} ORDER BY {keys.get(t, 'case_id, position')}")
        ] == live[t], t
    assert live["cases"][0]["open_referrals"] == 0 and live["cases"][0]["recovered_fen"] == 300_000
    assert [r["state"] for r in live["case_referrals"]] == ["answered", "withdrawn"]
    assert live["cases"][0]["work_division_code"] == "3301" and live["cases"][0]["employer_name"] == "某公司"


async def test_the_referral_queue_shows_what_departments_owe_by_deadline_within_the_jurisdiction(stack):
    principal = Principal("wang", frozenset({"caseworker"}), COUNTY)
    async with stack.casework.client() as http:
        late_case = await accepted_case(stack, http, 45)
        soon_case = await accepted_case(stack, http, 46)
        # referred three days ago with a deadline yesterday: overdue now
        long_ago, late_id = utcnow() - timedelta(days=3), new_id()
        await refer_case(
            stack.casework.runtime.unit_of_work(),
            principal,
            uuid.UUID(late_case["case_id"]),
            late_id,
            "human_resources",
            "请协调",
            utcnow() - timedelta(days=1),
            None,
            long_ago,
        )
        await http.post(f"/cases/{soon_case['case_id']}/referrals", json=referral("health"), headers=caseworker("wang"))

        def queue(params: dict[str, str], who: str = COUNTY) -> Any:
            return http.get("/referrals", params=params, headers=caseworker("v", who))

        everything = (await queue({})).json()
        first = (await queue({"limit": "1"})).json()
        second = (await queue({"limit": "1", "cursor": first["next_cursor"]})).json()
        overdue = (await queue({"overdue": "true"})).json()
        hr = (await queue({"department": "human_resources", "state": "open"})).json()
        elsewhere = (await queue({}, OTHER_COUNTY)).json()
        unknown = await queue({"department": "foreign_office"})
        answered = await http.post(
            f"/cases/{late_case['case_id']}/referrals/{late_id}/answer",
            json={"reply": "已处理", "answered_by": "人社局 李科长"},
            headers=caseworker(),
        )
        after = (await queue({"overdue": "true"})).json()
        answered_items = (await queue({"state": "answered"})).json()
    assert [i["case_id"] for i in everything["items"]] == [late_case["case_id"], soon_case["case_id"]]
    assert [i["department_name"] for i in everything["items"]] == ["人社", "卫健"]
    assert first["items"] == everything["items"][:1] and second["items"] == everything["items"][1:]
    assert [i["referral_id"] for i in overdue["items"]] == [str(late_id)] and overdue["items"][0]["overdue"] is True
    assert [i["referral_id"] for i in hr["items"]] == [str(late_id)]
    assert elsewhere["items"] == []
    assert unknown.status_code == 422 and unknown.json()["detail"] == "未知的部门"
    assert answered.status_code == 200 and after["items"] == []
    (item,) = answered_items["items"]
    assert item["late"] is True and item["state_label"] == "已答复"

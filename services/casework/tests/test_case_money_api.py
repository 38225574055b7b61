"""Money in integer fen and the employer of a labour case, over real HTTP and PostgreSQL: the amount
claimed, several partial recoveries, relief paid and funds raised with their totals; bad amounts and a
wrong credit-code check character refused in Chinese with nothing changed; cases per employer."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
from kite_common.clock import utcnow
from kite_common.identifiers.credit_code import check_character

from .conftest import case_body, caseworker

FIRST17 = "91522631MA6DU1234"
CREDIT_CODE = FIRST17 + check_character(FIRST17)
WRONG_CHECK = FIRST17 + ("0" if CREDIT_CODE[17] != "0" else "1")
TODAY = utcnow().date().isoformat()


async def post(
    http: httpx.AsyncClient, case: dict[str, Any], path: str, body: object, who: str = "wang"
) -> httpx.Response:
    return await http.post(f"/cases/{case['case_id']}/{path}", json=body, headers=caseworker(who))


async def test_claimed_recovered_relief_and_funds_add_up_per_case(stack):
    member_id = await stack.register_member(51)
    employer = {"name": "黎平县某建筑劳务公司", "credit_code": CREDIT_CODE.lower()}
    async with stack.casework.client() as http:
        body = case_body(member_id, claimed_fen=18_000_000, employer=employer)  # 18 万元
        case = (await http.post("/cases", json=body, headers=caseworker())).json()
        case = (await http.post(f"/cases/{case['case_id']}/accept", headers=caseworker("wang"))).json()
        for amount, note in ((8_000_000, "用人单位支付第一期"), (6_000_000, "第二期")):
            recorded = await post(
                http, case, "money", {"kind": "recovered", "amount_fen": amount, "on": TODAY, "note": note}
            )
            assert recorded.status_code == 201, recorded.text
        await post(http, case, "money", {"kind": "relief_paid", "amount_fen": 200_000, "on": TODAY, "note": "临时救助"})
        await post(
            http, case, "money", {"kind": "funds_raised", "amount_fen": 150_050, "on": TODAY, "note": "工会募集"}
        )
        case = (await http.get(f"/cases/{case['case_id']}", headers=caseworker())).json()
        ledger = (await http.get(f"/cases/{case['case_id']}/money", headers=caseworker())).json()
        more = await post(
            http, case, "money", {"kind": "recovered", "amount_fen": 5_000_000, "on": TODAY, "note": "赔偿金"}
        )
        timeline = (await http.get(f"/cases/{case['case_id']}/timeline", headers=caseworker())).json()["entries"]
    assert case["money"] == {
        "claimed_fen": 18_000_000,
        "recovered_fen": 14_000_000,
        "relief_paid_fen": 200_000,
        "funds_raised_fen": 150_050,
        "outstanding_fen": 4_000_000,
        "recovered_exceeds_claimed": False,
    }
    assert case["employer"]["credit_code"] == CREDIT_CODE and case["employer"]["name"] == "黎平县某建筑劳务公司"
    assert ledger["totals"] == case["money"]
    assert [(e["kind_label"], e["amount_fen"], e["note"]) for e in ledger["entries"]] == [
        ("追回款项", 8_000_000, "用人单位支付第一期"),
        ("追回款项", 6_000_000, "第二期"),
        ("发放救助金", 200_000, "临时救助"),
        ("筹集资金", 150_050, "工会募集"),
    ]
    # Recovered may exceed claimed (compensation, interest): kept and flagged, never refused.
    assert more.status_code == 201 and more.json()["money"]["recovered_exceeds_claimed"] is True
    assert more.json()["money"]["outstanding_fen"] == 0
    assert [e["label"] for e in timeline][:3] == ["登记诉求", "登记诉求金额", "登记用人单位"]
    assert timeline[1]["detail"] == "180000.00元" and timeline[-1]["detail"].endswith("50000.00元：赔偿金")


async def test_bad_amounts_are_refused_in_chinese_and_change_nothing(stack):
    member_id = await stack.register_member(52)
    async with stack.casework.client() as http:
        case = (await http.post("/cases", json=case_body(member_id), headers=caseworker())).json()
        case = (await http.post(f"/cases/{case['case_id']}/accept", headers=caseworker("wang"))).json()
        for bad in (-100, 0, 12.5, 100.0, "100", True, None):
            entry = {"kind": "recovered", "amount_fen": bad, "on": TODAY, "note": "x"}
            for path, body in (("money", entry), ("claimed-amount", {"amount_fen": bad})):
                method = http.post if path == "money" else http.put
                refused = await method(f"/cases/{case['case_id']}/{path}", json=body, headers=caseworker("wang"))
                assert refused.status_code == 422, (bad, path)
                (error,) = refused.json()["errors"]
                assert error["field"] == "amount_fen" and ("整数" in error["message"] or "大于 0" in error["message"])
            if bad is not None:  # no claimed amount at opening is allowed
                opened = await http.post("/cases", json=case_body(member_id, claimed_fen=bad), headers=caseworker("d"))
                assert opened.status_code == 422 and opened.json()["errors"][0]["field"] == "claimed_fen", bad
        tomorrow = (utcnow() + timedelta(days=2)).date().isoformat()
        future = await post(http, case, "money", {"kind": "recovered", "amount_fen": 1, "on": tomorrow, "note": "x"})
        after = (await http.get(f"/cases/{case['case_id']}", headers=caseworker())).json()
    assert future.status_code == 422 and future.json()["detail"] == "款项日期不能晚于今天"
    assert after["version"] == case["version"] and after["money"]["recovered_fen"] == 0
    assert await stack.count("SELECT count(*) FROM case_money_entries") == 0
    assert await stack.count("SELECT count(*) FROM cases") == 1


async def test_the_employer_is_checked_and_cases_are_listed_per_employer(stack):
    member_id = await stack.register_member(53)
    nobody = str(uuid.uuid4())  # no employer jobs registered has this id
    async with stack.casework.client() as http:
        wrong = await http.post(
            "/cases",
            json=case_body(member_id, employer={"name": "某公司", "credit_code": WRONG_CHECK}),
            headers=caseworker(),
        )
        unknown = await http.post(
            "/cases", json=case_body(member_id, employer={"employer_id": nobody}), headers=caseworker()
        )
        by_code = (
            await http.post(
                "/cases",
                json=case_body(member_id, employer={"name": "某公司", "credit_code": CREDIT_CODE}),
                headers=caseworker(),
            )
        ).json()
        later = (
            await http.post("/cases", json=case_body(member_id, category="work_injury"), headers=caseworker())
        ).json()
        medical = (
            await http.post("/cases", json=case_body(member_id, category="medical"), headers=caseworker())
        ).json()
        not_labour = await http.put(
            f"/cases/{medical['case_id']}/employer",
            json={"name": "某公司", "credit_code": CREDIT_CODE},
            headers=caseworker(),
        )
        unknown_later = await http.put(
            f"/cases/{later['case_id']}/employer", json={"employer_id": nobody}, headers=caseworker()
        )
        renamed_wrong = await http.put(
            f"/cases/{later['case_id']}/employer",
            json={"name": "某公司", "credit_code": WRONG_CHECK},
            headers=caseworker(),
        )
        unchanged = (await http.get(f"/cases/{later['case_id']}", headers=caseworker())).json()
        posting = str(uuid.uuid4())
        renamed = await http.put(
            f"/cases/{later['case_id']}/employer",
            json={"name": "某公司", "credit_code": CREDIT_CODE, "posting_id": posting},
            headers=caseworker(),
        )
        per_code = (
            await http.get("/cases", params={"employer_credit_code": CREDIT_CODE.lower()}, headers=caseworker())
        ).json()
        bad_query = await http.get("/cases", params={"employer_credit_code": WRONG_CHECK}, headers=caseworker())
    assert wrong.status_code == 422 and wrong.json()["detail"] == "统一社会信用代码校验码不正确，请核对"
    assert wrong.json()["errors"][0]["field"] == "employer.credit_code"
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "employer.employer_id"
    assert unknown.json()["detail"].startswith("未找到该用人单位")
    assert unknown_later.status_code == 422 and unknown_later.json()["type"].endswith("/employer-unknown")
    assert not_labour.status_code == 422 and "欠薪、工伤、劳动争议" in not_labour.json()["detail"]
    assert renamed_wrong.status_code == 422 and renamed_wrong.json()["errors"][0]["field"] == "employer.credit_code"
    assert unchanged["version"] == later["version"] and unchanged["employer"] is None
    assert renamed.status_code == 200 and renamed.json()["employer"]["credit_code"] == CREDIT_CODE
    assert renamed.json()["employer"]["posting_id"] == posting
    assert [c["case_id"] for c in per_code["items"]] == [by_code["case_id"], later["case_id"]]
    assert bad_query.status_code == 422 and bad_query.json()["errors"][0]["field"] == "employer_credit_code"
    assert await stack.count("SELECT count(*) FROM cases") == 3


async def test_a_money_entry_is_corrected_or_reversed_never_edited_and_the_totals_follow(stack):
    member_id = await stack.register_member(54)
    async with stack.casework.client() as http:
        case = (
            await http.post("/cases", json=case_body(member_id, claimed_fen=1_000_000), headers=caseworker())
        ).json()
        case = (await http.post(f"/cases/{case['case_id']}/accept", headers=caseworker("wang"))).json()
        for amount in (600_000, 300_000):
            entry = {"kind": "recovered", "amount_fen": amount, "on": TODAY, "note": "分期"}
            assert (await post(http, case, "money", entry)).status_code == 201
        first, second = [
            e["entry_id"]
            for e in (await http.get(f"/cases/{case['case_id']}/money", headers=caseworker())).json()["entries"]
        ]
        fixed = await post(http, case, f"money/{first}/corrections", {"amount_fen": 650_000, "reason": "实为6500元"})
        assert fixed.status_code == 201, fixed.text
        assert fixed.json()["money"]["recovered_fen"] == 950_000 and fixed.json()["money"]["outstanding_fen"] == 50_000
        reversed_ = await post(http, case, f"money/{second}/corrections", {"amount_fen": 0, "reason": "重复登记"})
        assert reversed_.json()["money"]["recovered_fen"] == 650_000
        before = (await http.get(f"/cases/{case['case_id']}", headers=caseworker())).json()

        again = await post(http, case, f"money/{second}/corrections", {"amount_fen": 0, "reason": "再冲销"})
        unknown = await post(http, case, f"money/{uuid.uuid4()}/corrections", {"amount_fen": 1, "reason": "x"})
        negative = await post(http, case, f"money/{first}/corrections", {"amount_fen": -650_000, "reason": "退回"})
        not_owner = await post(http, case, f"money/{first}/corrections", {"amount_fen": 1, "reason": "x"}, who="li")
        no_reason = await post(http, case, f"money/{first}/corrections", {"amount_fen": 1, "reason": ""})
        ledger = (await http.get(f"/cases/{case['case_id']}/money", headers=caseworker())).json()
        after = (await http.get(f"/cases/{case['case_id']}", headers=caseworker())).json()
        timeline = (await http.get(f"/cases/{case['case_id']}/timeline", headers=caseworker())).json()["entries"]
    assert again.status_code == 409 and again.json()["detail"] == "该款项已冲销，不能再更正"
    assert unknown.status_code == 404 and unknown.json()["detail"] == "未找到该款项记录"
    assert negative.status_code == 422 and "负数" in negative.json()["errors"][0]["message"]
    assert not_owner.status_code == 403 and no_reason.status_code == 422
    assert after["version"] == before["version"] and after["money"] == before["money"]
    # The entries keep what was recorded; the figure in force and the corrections sit beside it.
    assert [(e["amount_fen"], e["current_fen"], e["reversed"]) for e in ledger["entries"]] == [
        (600_000, 650_000, False),
        (300_000, 0, True),
    ]
    assert [
        (c["replaces_fen"], c["amount_fen"], c["reason"], c["corrected_by"])
        for c in ledger["entries"][0]["corrections"]
    ] == [(600_000, 650_000, "实为6500元", "wang")]
    assert ledger["totals"] == after["money"]
    assert [e["label"] for e in timeline][-2:] == ["更正款项", "更正款项"]
    assert timeline[-1]["detail"] == "追回款项 3000.00元 冲销：重复登记"

"""A case's referrals to departments and its money, from the case page: amounts typed in yuan are sent
in fen, and casework's refusals are shown next to the field they concern."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import httpx

from .conftest import YONGSHAN, Console, csrf_of


def version_of(html: str) -> str:
    return html.split('name="version" value="', 1)[1].split('"', 1)[0]


async def accepted_case(console: Console, client: httpx.AsyncClient, seq: int) -> str:
    member = await console.register_member(seq)
    page = await client.get(f"/members/{member}")
    opened = await client.post(
        f"/members/{member}/cases",
        data={
            "csrf_token": csrf_of(page.text),
            "category": "wage_arrears",
            "urgency": "normal",
            "description": "工地拖欠工资",
        },
    )
    assert opened.status_code == 303, opened.text
    case_url = opened.headers["location"]
    case_page = await client.get(case_url)
    accepted = await client.post(
        case_url + "/accept", data={"csrf_token": csrf_of(case_page.text), "version": version_of(case_page.text)}
    )
    assert accepted.status_code == 303, accepted.text
    return str(case_url)


async def test_money_is_typed_in_yuan_and_refusals_are_shown_by_field(console: Console) -> None:
    async with console.signed_in(f"{YONGSHAN}-caseworker") as client:
        case_url = await accepted_case(console, client, 80)
        page = await client.get(case_url)
        csrf = csrf_of(page.text)
        claimed = await client.post(
            case_url + "/claimed", data={"csrf_token": csrf, "version": version_of(page.text), "amount": "1,800.50"}
        )
        page = await client.get(case_url)
        fields = {"csrf_token": csrf, "kind": "recovered", "on": date.today().isoformat(), "note": "用人单位支付"}
        too_fine = await client.post(
            case_url + "/money", data=fields | {"version": version_of(page.text), "amount": "12.345"}
        )
        negative = await client.post(
            case_url + "/money", data=fields | {"version": version_of(page.text), "amount": "-5"}
        )
        recovered = await client.post(
            case_url + "/money", data=fields | {"version": version_of(page.text), "amount": "2000"}
        )
        shown = await client.get(case_url)
    assert claimed.status_code == 303, claimed.text
    assert too_fine.status_code == 422 and 'id="e-money-amount"' in too_fine.text and "两位小数" in too_fine.text
    assert 'value="12.345"' in too_fine.text  # what was typed is kept
    # casework's own rule, by field: the amount is sent (as -500 fen) and refused next to the amount
    assert negative.status_code == 422 and 'id="e-money-amount"' in negative.text and "大于 0" in negative.text
    assert recovered.status_code == 303, recovered.text
    assert "1,800.50 元" in shown.text and "2,000.00 元" in shown.text
    assert "超过诉求金额" in shown.text  # recovered more than claimed, allowed and said
    assert shown.text.count("<td>追回款项</td>") == 1  # the refused amounts recorded nothing


async def test_a_referral_shows_its_department_deadline_and_answer(console: Console) -> None:
    deadline = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=3)).replace(second=0, microsecond=0)
    async with console.signed_in(f"{YONGSHAN}-caseworker") as client:
        case_url = await accepted_case(console, client, 81)
        page = await client.get(case_url)
        csrf = csrf_of(page.text)
        empty = await client.post(
            case_url + "/refer",
            data={
                "csrf_token": csrf,
                "version": version_of(page.text),
                "department": "human_resources",
                "question": "",
            },
        )
        referred = await client.post(
            case_url + "/refer",
            data={
                "csrf_token": csrf,
                "version": version_of(page.text),
                "department": "human_resources",
                "question": "请劳动监察大队核查<script>欠薪</script>",
                "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            },
        )
        page = await client.get(case_url)
        referral = page.text.split('id="referral-', 1)[1].split('"', 1)[0]
        no_reply = await client.post(
            f"{case_url}/referrals/{referral}/answer",
            data={"csrf_token": csrf, "version": version_of(page.text), "reply": "", "answered_by": "人社局 王"},
        )
        answered = await client.post(
            f"{case_url}/referrals/{referral}/answer",
            data={
                "csrf_token": csrf,
                "version": version_of(page.text),
                "reply": "已责令限期支付",
                "answered_by": "人社局 王科长",
            },
        )
        shown = await client.get(case_url)
        again = await client.post(
            case_url + "/refer",
            data={
                "csrf_token": csrf,
                "version": version_of(shown.text),
                "department": "justice",
                "question": "请法律援助中心介入",
                "deadline": deadline.strftime("%Y-%m-%dT%H:%M"),
            },
        )
        assert again.status_code == 303, again.text
        page = await client.get(case_url)
        second = page.text.split('id="referral-', 2)[2].split('"', 1)[0]
        no_reason = await client.post(
            f"{case_url}/referrals/{second}/withdraw",
            data={"csrf_token": csrf, "version": version_of(page.text), "reason": ""},
        )
        withdrawn = await client.post(
            f"{case_url}/referrals/{second}/withdraw",
            data={"csrf_token": csrf, "version": version_of(page.text), "reason": "当事人已自行申请"},
        )
        after = await client.get(case_url)
    assert no_reason.status_code == 422 and f'id="e-withdraw-{second}-reason"' in no_reason.text
    assert withdrawn.status_code == 303, withdrawn.text
    assert "已撤回：当事人已自行申请" in after.text
    assert empty.status_code == 422 and 'id="e-refer-question"' in empty.text
    assert referred.status_code == 303, referred.text
    assert "人社" in page.text and deadline.strftime("%Y-%m-%d %H:%M") in page.text and "待答复" in page.text
    assert "&lt;script&gt;" in page.text  # the question is escaped
    assert no_reply.status_code == 422 and f'id="e-referral-{referral}-reply"' in no_reply.text
    assert answered.status_code == 303, answered.text
    assert "已责令限期支付" in shown.text and "人社局 王科长" in shown.text and "已答复" in shown.text

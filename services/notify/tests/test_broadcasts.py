"""Broadcasts over real HTTP, a real database and broker: to the members under a division code (party
members only, if asked), in each one's language, in batches by the worker; opted-out members are
skipped, progress and results are counted, and a broadcast can be cancelled."""

from __future__ import annotations

import uuid
from datetime import timedelta

from kite_common.clock import utcnow
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import answer, auth, eventually
from kite_notify.application.broadcasts import send_batch
from kite_notify.service import SERVICE

from .test_inbox_api import inbox_of

CLERK = auth(["notifier"], "522631", subject="clerk-1")
VILLAGE = "522631101001"
TEXTS = {
    "zh-Hans": {"title": "春季招聘会", "body": "{name}，您好！3月1日县城举办春季招聘会，欢迎参加。"},
    "bo": {"title": "བརྡ་ཐོ།", "body": "{name} བཀྲ་ཤིས་བདེ་ལེགས།"},
}


async def _members(notify, publish, make, count: int, **kw) -> list:
    ids = [new_id() for _ in range(count)]
    await publish(*(make.member_registered(m, name=f"成员{i}", **kw) for i, m in enumerate(ids)))
    for m in ids:
        await inbox_of(notify, m, 1)
    return ids


async def _status(notify, broadcast_id: str, headers=CLERK) -> dict:
    async with notify.client(headers=headers) as http:
        return (await http.get(f"/broadcasts/{broadcast_id}")).json()


async def test_a_broadcast_reaches_each_member_under_the_prefix_once_in_their_language(notify, publish, make):
    here = await _members(notify, publish, make, 3)
    tibetan = (await _members(notify, publish, make, 1, languages=["藏语"]))[0]
    not_party = (await _members(notify, publish, make, 1, party=False))[0]
    elsewhere = (await _members(notify, publish, make, 1, origin="522632101001"))[0]
    opted_out = (await _members(notify, publish, make, 1))[0]
    async with notify.client(headers=auth(["member"], subject=str(opted_out))) as http:
        prefs = {"channels": ["in_app"], "quiet_hours": None, "broadcasts": False}
        assert (await http.put(f"/members/{opted_out}/preferences", json=prefs)).status_code == 200

    async with notify.client(headers=CLERK) as http:
        created = await http.post(
            "/broadcasts", json={"division_code_prefix": VILLAGE, "party_members_only": True, "texts": TEXTS}
        )
    assert created.status_code == 201, created.text
    bid = created.json()["broadcast_id"]
    done = await eventually(lambda: _completed(notify, bid), timeout=30)
    assert (done["sent"], done["opted_out"], done["read"]) == (4, 1, 0)

    for m in here:
        items = (await inbox_of(notify, m, 2))["items"]
        assert items[0]["kind"] == "broadcast" and items[0]["body"].startswith("成员")
        assert "您好！3月1日县城举办春季招聘会" in items[0]["body"]
    tib = (await inbox_of(notify, tibetan, 2))["items"][0]
    assert tib["title"] == "བརྡ་ཐོ།" and tib["body"].endswith("བཀྲ་ཤིས་བདེ་ལེགས།")
    for nobody in (not_party, elsewhere, opted_out):
        assert [i["kind"] for i in (await inbox_of(notify, nobody, 1))["items"]] == ["welcome"]

    # Reading counts towards the results; the broadcast is one inbox item per member.
    async with notify.client(headers=auth(["member"], subject=str(here[0]))) as http:
        page = (await http.get(f"/members/{here[0]}/inbox")).json()
        assert page["unread"] == 2
        read = await http.post(f"/members/{here[0]}/inbox/{bid}/read")
        assert read.status_code == 200 and read.json()["read"] is True
    assert (await _status(notify, bid))["read"] == 1

    # A batch handled again (a worker that died after its commit was retried) reaches nobody twice.
    runtime = ServiceRuntime(SERVICE, notify.pool, notify.kafka)
    await notify.pool.execute(
        "UPDATE broadcasts SET status = 'sending', cursor_origin = NULL, cursor_member = NULL WHERE broadcast_id = $1",
        uuid.UUID(bid),
    )
    await send_batch(runtime.unit_of_work(), uuid.UUID(bid), utcnow())
    assert await notify.pool.fetchval("SELECT count(*) FROM broadcast_inbox") == 4


async def _completed(notify, bid: str) -> dict | None:
    status = await _status(notify, bid)
    return status if status["status"] == "completed" else None


async def test_a_scheduled_broadcast_waits_and_can_be_cancelled_and_outside_the_jurisdiction_is_refused(
    notify, publish, make
):
    await _members(notify, publish, make, 2)
    later = (utcnow() + timedelta(hours=2)).isoformat()
    async with notify.client(headers=CLERK) as http:
        body = {"division_code_prefix": "522631", "texts": TEXTS, "send_at": later}
        scheduled = (await http.post("/broadcasts", json=body)).json()
        assert scheduled["status"] == "scheduled" and scheduled["sent"] == 0
        cancelled = await http.post(f"/broadcasts/{scheduled['broadcast_id']}/cancel")
        assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
        assert (await http.post(f"/broadcasts/{scheduled['broadcast_id']}/cancel")).json()["status"] == "cancelled"

        outside = await http.post("/broadcasts", json={**body, "division_code_prefix": "520102"})
        assert outside.status_code == 403 and outside.json()["detail"] == "不能向管辖范围以外的地区群发"
        for bad, detail in (
            ({**body, "division_code_prefix": "52263"}, "区划代码前缀应为 2、4、6、9 或 12 位数字"),
            ({**body, "texts": {"bo": TEXTS["bo"]}}, "群发内容须有简体中文（zh-Hans）版本"),
            ({**body, "texts": {**TEXTS, "ug": TEXTS["bo"]}}, "不支持的语言 ug"),
            (
                {**body, "texts": {"zh-Hans": {"title": "t", "body": "{name}{salary}"}}},
                "模板使用了未声明的占位符：salary",
            ),
        ):
            refused = await http.post("/broadcasts", json=bad)
            assert refused.status_code == 422, refused.text
            assert refused.json()["detail"].startswith(detail), refused.json()
    assert await notify.pool.fetchval("SELECT count(*) FROM broadcasts") == 1
    assert await notify.pool.fetchval("SELECT count(*) FROM broadcast_inbox") == 0

    # Another county's staff see it as no broadcast at all.
    theirs = await _status_raw(notify, scheduled["broadcast_id"], auth(["notifier"], "520102"))
    unknown = await _status_raw(notify, str(new_id()), auth(["notifier"], "520102"))
    assert theirs.status_code == 404 and answer(theirs) == answer(unknown)


async def _status_raw(notify, bid: str, headers):
    async with notify.client(headers=headers) as http:
        return await http.get(f"/broadcasts/{bid}")


async def test_a_completed_broadcast_cannot_be_cancelled(notify, publish, make):
    await _members(notify, publish, make, 1)
    async with notify.client(headers=CLERK) as http:
        bid = (await http.post("/broadcasts", json={"division_code_prefix": "522631", "texts": TEXTS})).json()[
            "broadcast_id"
        ]
        await eventually(lambda: _completed(notify, bid), timeout=30)
        late = await http.post(f"/broadcasts/{bid}/cancel")
    assert late.status_code == 409 and late.json()["detail"] == "群发已完成，不能取消"


async def test_a_broadcast_to_an_organisation_reaches_its_members_and_those_of_its_sub_tree(notify, publish, make):
    county_committee, branch, group, elsewhere = new_id(), new_id(), new_id(), new_id()
    top, in_branch, in_group, other = await _members(notify, publish, make, 4)
    await publish(
        make.organisation_registered(county_committee, "522631000000"),
        make.organisation_registered(group, "522631101000", parent_id=branch),  # heard of before its parent
        make.organisation_registered(branch, "522631101000", parent_id=county_committee),
        make.organisation_registered(elsewhere, "520102001000"),
        make.membership_joined(top, county_committee),
        make.membership_joined(in_branch, branch),
        make.membership_joined(in_group, group),
        make.membership_joined(other, elsewhere),
    )
    await eventually(lambda: notify.pool.fetchval("SELECT count(*) = 4 FROM org_memberships"))
    async with notify.client(headers=CLERK) as http:
        created = await http.post("/broadcasts", json={"organisation_id": str(branch), "texts": TEXTS})
        assert created.status_code == 201, created.text
        assert created.json()["division_code_prefix"] == "522631101000"

        outside = await http.post("/broadcasts", json={"organisation_id": str(elsewhere), "texts": TEXTS})
        assert outside.status_code == 403 and outside.json()["detail"] == "不能向管辖范围以外的组织群发"
        unknown = await http.post("/broadcasts", json={"organisation_id": str(new_id()), "texts": TEXTS})
        assert unknown.status_code == 422 and unknown.json()["detail"] == "未找到该组织（或已撤销）"
        both = await http.post(
            "/broadcasts", json={"organisation_id": str(branch), "division_code_prefix": "522631", "texts": TEXTS}
        )
        assert both.status_code == 422 and both.json()["detail"] == "须指定区划代码前缀、组织或招聘会，三者选一"
    done = await eventually(lambda: _completed(notify, created.json()["broadcast_id"]), timeout=30)
    assert done["sent"] == 2
    got = await notify.pool.fetch("SELECT member_id FROM broadcast_inbox")
    assert sorted(r["member_id"] for r in got) == sorted([in_branch, in_group])
    assert await notify.pool.fetchval("SELECT count(*) FROM broadcasts") == 1

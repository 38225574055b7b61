"""WeCom, DingTalk and Feishu group robots as a channel: each robot's request signed as its provider
documents, checked by a local stand-in that answers with the provider's codes; the codes become
GOV.UK Notify's delivery states; the robot's URL and secret, which are credentials, are never shown,
logged or put in an event; robots belong to a jurisdiction like everything else."""

from __future__ import annotations

import logging
import uuid

import pytest
from kite_common.clock import utcnow
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import answer, auth, eventually, running
from kite_notify.application.broadcasts import send_batch
from kite_notify.service import SERVICE

from . import providers
from .providers import DINGTALK_SECRET, DINGTALK_TOKEN, FEISHU_SECRET, FEISHU_TOKEN, KEYWORD, MAX_ATTEMPTS, WECOM_KEY
from .test_broadcasts import _members

CLERK = auth(["notifier"], "522631", subject="clerk-1")
OTHER_COUNTY = auth(["notifier"], "522632", subject="clerk-2")
PROVINCE = auth(["notifier"], "52", subject="province-1")
NOTICE = {"kind": "broadcast", "personalisation": {"name": "各位党员"}}
# Robot groups set a security keyword: the office writes the robot template with it.
ROBOT_TEMPLATE = {
    "title": f"【{KEYWORD}】通知",
    "body": "{name}：本周六上午九点召开组织生活会。",
    "placeholders": ["name"],
}
SECRETS = (WECOM_KEY, DINGTALK_TOKEN, DINGTALK_SECRET, FEISHU_TOKEN, FEISHU_SECRET)


@pytest.fixture
async def robot_notify(infra, prefix, monkeypatch, webhook_settings):
    async with providers.robots() as stand_in:
        monkeypatch.setenv("KITE_NOTIFY_MAX_ATTEMPTS", str(MAX_ATTEMPTS))
        monkeypatch.setenv("KITE_NOTIFY_BACKOFF_INITIAL_S", "0.05")
        monkeypatch.setenv("KITE_NOTIFY_ROBOT_PER_SECOND", "100")
        async with running(infra, SERVICE, prefix) as svc:
            async with svc.client(headers=PROVINCE) as http:
                saved = await http.put("/templates/broadcast/robot/zh-Hans", json=ROBOT_TEMPLATE)
                assert saved.status_code == 200, saved.text
            yield svc, stand_in


async def _add(svc, stand_in, provider: str, secret: str | None = None, token: str | None = None, who=CLERK):
    body = {"provider": provider, "name": "驻杭州流动党员党支部群", "webhook_url": stand_in.address(provider, token)}
    if secret is not None:
        body["secret"] = secret
    async with svc.client(headers=who) as http:
        return await http.post("/robots", json=body)


async def _send(svc, robot_id: str, reference: str | None = None) -> str:
    async with svc.client(headers=CLERK) as http:
        sent = await http.post("/notifications/robot", json={**NOTICE, "robot_id": robot_id, "reference": reference})
    assert sent.status_code in (200, 201), sent.text
    return sent.json()["notification_id"]


async def _final(svc, notification_id: str) -> dict | None:
    async with svc.client(headers=CLERK) as http:
        status = (await http.get(f"/notifications/{notification_id}")).json()
    found = [d for d in status["deliveries"] if d["channel"] == "robot" and d["status"] != "created"]
    return found[0] if found else None


async def test_each_providers_robot_gets_the_notice_signed_as_it_documents_and_it_is_delivered(robot_notify, caplog):
    svc, stand_in = robot_notify
    caplog.set_level(logging.DEBUG)
    for provider, secret in (("wecom", None), ("dingtalk", DINGTALK_SECRET), ("feishu", FEISHU_SECRET)):
        added = await _add(svc, stand_in, provider, secret)
        assert added.status_code == 201, added.text
        robot = added.json()
        assert robot["signed"] is (secret is not None) and robot["division_code"] == "522631"
        assert "****" in robot["masked_url"] and not any(s in added.text for s in SECRETS)
        notification_id = await _send(svc, robot["robot_id"], reference=f"life-session-{provider}")
        again = await _send(svc, robot["robot_id"], reference=f"life-session-{provider}")
        assert again == notification_id  # the same reference: one message
        delivery = await eventually(lambda nid=notification_id: _final(svc, nid), timeout=30)
        assert (delivery["status"], delivery["attempts"]) == ("delivered", 1), delivery

    text = f"【{KEYWORD}】通知\n各位党员：本周六上午九点召开组织生活会。"
    assert stand_in.accepted == [("wecom", text), ("dingtalk", text), ("feishu", text)]
    # The credentials are in no event, no response, no log line of notify's; stored only encrypted. (The
    # stand-in's own access log, the provider's side, is left out.)
    provider_side = ("/cgi-bin/webhook/send", "/robot/send", "/open-apis/bot/v2/hook/")
    ours = "\n".join(
        r.getMessage()
        for r in caplog.records
        if not (r.name == "uvicorn.access" and str((r.args or ("", "", ""))[2]).startswith(provider_side))
    )
    assert "HTTP Request: POST" in ours  # notify's own request log is in what is checked
    for secret in SECRETS:
        assert await svc.pool.fetchval("SELECT count(*) FROM events WHERE data::text LIKE $1", f"%{secret}%") == 0
        assert await svc.pool.fetchval("SELECT count(*) FROM group_robots WHERE url_enc LIKE $1", f"%{secret}%") == 0
        assert secret not in ours
    async with svc.client(headers=CLERK) as http:
        listed = await http.get("/robots")
    assert sorted(r["provider"] for r in listed.json()["items"]) == ["dingtalk", "feishu", "wecom"]
    assert not any(s in listed.text for s in SECRETS)


async def test_provider_error_codes_become_delivery_states(robot_notify):
    svc, stand_in = robot_notify
    wrong_key = (await _add(svc, stand_in, "wecom", token="not-the-key")).json()
    wrong_sign = (await _add(svc, stand_in, "dingtalk", secret="SEC-wrong")).json()
    wrong_feishu = (await _add(svc, stand_in, "feishu", secret="wrong")).json()
    for robot, code in ((wrong_key, "93000"), (wrong_sign, "310000"), (wrong_feishu, "19021")):
        delivery = await eventually(lambda r=robot: _final_of(svc, r), timeout=30)
        assert (delivery["status"], delivery["attempts"]) == ("permanent-failure", 1), delivery
        assert delivery["detail"].startswith(code)

    # A rate limit is tried again with backoff, and goes through once the robot takes posts again.
    dingtalk = (await _add(svc, stand_in, "dingtalk", DINGTALK_SECRET)).json()
    stand_in.throttle_next = 1
    delivery = await eventually(lambda: _final_of(svc, dingtalk), timeout=30)
    assert (delivery["status"], delivery["attempts"]) == ("delivered", 2), delivery
    # A rate limit that does not end: technical failure after the bounded attempts.
    feishu = (await _add(svc, stand_in, "feishu", FEISHU_SECRET)).json()
    stand_in.throttle_next = 100
    delivery = await eventually(lambda: _final_of(svc, feishu), timeout=30)
    assert (delivery["status"], delivery["attempts"]) == ("technical-failure", MAX_ATTEMPTS), delivery
    assert delivery["detail"].startswith("11232")
    assert await svc.pool.fetchval("SELECT count(*) FROM outbound_deliveries") == 0


_sent: dict[str, str] = {}


async def _final_of(svc, robot: dict) -> dict | None:
    robot_id = robot["robot_id"]
    if robot_id not in _sent:
        _sent[robot_id] = await _send(svc, robot_id)
    return await _final(svc, _sent[robot_id])


async def test_robots_are_kept_to_their_jurisdiction_and_bad_ones_are_refused_in_chinese(robot_notify):
    svc, stand_in = robot_notify
    robot = (await _add(svc, stand_in, "wecom")).json()
    async with svc.client(headers=OTHER_COUNTY) as http:
        seen = await http.get(f"/robots/{robot['robot_id']}")
        unknown = await http.get(f"/robots/{new_id()}")
        assert answer(seen) == answer(unknown) and seen.status_code == 404
        assert (await http.get("/robots")).json()["items"] == []
        send = await http.post("/notifications/robot", json={**NOTICE, "robot_id": robot["robot_id"]})
        assert send.status_code == 404 and send.json()["detail"] == "未找到该群机器人"
        assert (await http.delete(f"/robots/{robot['robot_id']}")).status_code == 404

    before = await svc.pool.fetchval("SELECT count(*) FROM events")
    cases = [
        ({"provider": "wecom", "webhook_url": f"{stand_in.url}/cgi-bin/webhook/send"}, "应包含 key 参数"),
        ({"provider": "dingtalk", "webhook_url": "ftp://oapi.dingtalk.com/robot/send"}, "应为 https 地址"),
        ({"provider": "feishu", "webhook_url": f"{stand_in.url}/open-apis/im/v1"}, "bot/v2/hook"),
        ({"provider": "qq", "webhook_url": stand_in.address("wecom")}, None),
        (
            {"provider": "dingtalk", "webhook_url": "http://169.254.169.254/robot/send?access_token=x"},
            "不允许推送到该地址",
        ),
        ({"provider": "wecom", "webhook_url": stand_in.address("wecom"), "organisation_id": str(new_id())}, None),
    ]
    async with svc.client(headers=CLERK) as http:
        for body, detail in cases:
            refused = await http.post("/robots", json={"name": "支部群", **body})
            assert refused.status_code in (404, 422), refused.text
            assert refused.headers["content-type"] == "application/problem+json"
            if detail:
                assert detail in refused.json()["detail"]
        removed = await http.delete(f"/robots/{robot['robot_id']}")
        assert removed.status_code == 204
        gone = await http.post("/notifications/robot", json={**NOTICE, "robot_id": robot["robot_id"]})
        assert gone.status_code == 404
    assert await svc.pool.fetchval("SELECT count(*) FROM events") == before + 1  # only the removal


async def test_a_broadcast_to_an_organisation_posts_once_to_each_robot_of_it_and_its_sub_tree(
    robot_notify, publish, make
):
    svc, stand_in = robot_notify
    county, branch, group, lonely = new_id(), new_id(), new_id(), new_id()
    (member,) = await _members(svc, publish, make, 1)
    await publish(
        make.organisation_registered(county, "522631000000"),
        make.organisation_registered(branch, "522631101000", parent_id=county),
        make.organisation_registered(group, "522631101000", parent_id=branch),
        make.organisation_registered(lonely, "522631102000", parent_id=county),
        make.membership_joined(member, group),
    )
    await eventually(lambda: svc.pool.fetchval("SELECT count(*) = 4 FROM organisations"))
    async with svc.client(headers=CLERK) as http:
        for provider, secret, org in (("wecom", None, branch), ("dingtalk", DINGTALK_SECRET, group)):
            body = {"provider": provider, "name": "支部群", "webhook_url": stand_in.address(provider)}
            added = await http.post("/robots", json={**body, "secret": secret, "organisation_id": str(org)})
            assert added.status_code == 201, added.text
        above = {"provider": "feishu", "name": "县委群", "webhook_url": stand_in.address("feishu")}
        added = await http.post("/robots", json={**above, "secret": FEISHU_SECRET, "organisation_id": str(county)})
        assert added.status_code == 201, added.text

        texts = {"zh-Hans": {"title": f"【{KEYWORD}】支部通知", "body": "{name}：本周六上午九点召开支部党员大会。"}}
        created = await http.post("/broadcasts", json={"organisation_id": str(branch), "texts": texts})
        assert created.status_code == 201, created.text
        assert created.json()["robots"] is True  # the branch's sub-tree has robots: on by default
        bid = created.json()["broadcast_id"]

        # No robots under it: off by default; asked for where there is no organisation: refused.
        quiet = await http.post("/broadcasts", json={"organisation_id": str(lonely), "texts": texts})
        assert quiet.status_code == 201 and quiet.json()["robots"] is False
        refused = await http.post(
            "/broadcasts", json={"division_code_prefix": "522631", "texts": texts, "robots": True}
        )
        assert refused.status_code == 422 and refused.json()["detail"] == "只有向组织群发时才能同时发到群机器人"

    async def delivered() -> dict | None:
        async with svc.client(headers=CLERK) as http:
            status = (await http.get(f"/broadcasts/{bid}")).json()
        robots = status["messages"].get("robot", {})
        return status if status["status"] == "completed" and robots.get("delivered") == 2 else None

    done = await eventually(delivered, timeout=30)
    assert (done["sent"], done["robots_queued"]) == (1, 2)
    text = f"【{KEYWORD}】支部通知\n各位：本周六上午九点召开支部党员大会。"
    # The branch's group and the group under it, not the county's above it.
    assert sorted(stand_in.accepted) == [("dingtalk", text), ("wecom", text)]

    # The groups' step handled again (a worker that died after its commit was retried) posts nothing twice.
    runtime = ServiceRuntime(SERVICE, svc.pool, svc.kafka)
    await svc.pool.execute(
        "UPDATE broadcasts SET status = 'sending', robots_queued = NULL WHERE broadcast_id = $1", uuid.UUID(bid)
    )
    assert await send_batch(runtime.unit_of_work(), uuid.UUID(bid), utcnow()) is False
    assert await svc.pool.fetchval("SELECT count(*) FROM outbound_deliveries") == 0
    robot_messages = "SELECT count(*) FROM notifications WHERE reference = $1"
    assert await svc.pool.fetchval(robot_messages, f"broadcast:{bid}") == 2

"""Webhook subscriptions and signed, retried deliveries to a real HTTP receiver."""

from __future__ import annotations

import asyncio
import json
import time

from kite_common.ids import new_id
from kite_common.testing.stack import TEST_SECRETS, answer, auth, eventually, running
from kite_notify.domain.signing import verify
from kite_notify.service import SERVICE

SECRET = TEST_SECRETS["KITE_WEBHOOK_SIGNING_SECRET"]


async def subscribe(svc, url: str, jurisdiction: str = "", **body) -> dict:
    async with svc.client(headers=auth(["notifier"], jurisdiction)) as http:
        response = await http.post("/webhooks", json={"url": url, **body})
    assert response.status_code == 201, response.text
    return response.json()


async def outcome_events(svc) -> list[dict]:
    rows = await svc.pool.fetch(
        """SELECT type, data FROM events WHERE type IN ('kite.notify.notification-delivered.v1',
                  'kite.notify.notification-delivery-failed.v1') AND data->>'channel' = 'webhook'
           ORDER BY position"""
    )
    return [{"type": r["type"].split(".")[2], **r["data"]} for r in rows]


async def test_receiver_gets_the_notification_as_a_signed_cloudevent(notify, publish, make, receiver):
    sub = await subscribe(notify, receiver.url)
    member = new_id()
    await publish(make.member_registered(member), make.case_opened(member))
    await eventually(lambda: _at_least(receiver.accepted, 2), timeout=30)

    for got in receiver.accepted:
        assert verify(SECRET, got.headers["x-kite-signature"], got.body, now=int(time.time()))
        assert got.headers["content-type"].startswith("application/cloudevents+json")
        event = json.loads(got.body)
        assert got.headers["x-kite-event-id"] == event["id"]
        assert event["type"] == "kite.notify.notification-created.v2" and event["source"] == "/kite/notify"
        assert event["data"]["member_id"] == str(member)
    titles = {json.loads(g.body)["data"]["title"] for g in receiver.accepted}
    assert titles == {"欢迎加入风筝家园", "您的诉求（欠薪）已提交，待受理"}
    forged = receiver.accepted[0]
    assert not verify("another-secret", forged.headers["x-kite-signature"], forged.body, now=int(time.time()))

    outcomes = await eventually(lambda: _outcomes(notify, 2))
    assert {(o["type"], o["subscription_id"], o["attempt"]) for o in outcomes} == {
        ("notification-delivered", sub["subscription_id"], 1)
    }
    assert await notify.pool.fetchval("SELECT count(*) FROM webhook_deliveries") == 0


async def test_a_receiver_that_fails_twice_still_gets_it_with_backoff(notify, publish, make, receiver):
    receiver.fail_first = 2
    await subscribe(notify, receiver.url, kinds=["job-matched"])
    member = new_id()
    await publish(make.member_registered(member), make.job_matched(member))
    await eventually(lambda: _at_least(receiver.accepted, 1), timeout=30)
    await asyncio.sleep(0.3)
    assert len(receiver.posts) == 3 and len(receiver.accepted) == 1
    assert len({p.headers["x-kite-event-id"] for p in receiver.posts}) == 1  # one event, three tries
    assert json.loads(receiver.accepted[0].body)["data"]["title"] == "为您推荐岗位：电子厂普工（杭州）"
    outcomes = await eventually(lambda: _outcomes(notify, 1))
    assert [(o["type"], o["attempt"]) for o in outcomes] == [("notification-delivered", 3)]


async def test_a_receiver_that_keeps_failing_gets_max_attempts_then_the_failure_is_recorded(
    notify, publish, make, receiver, webhook_settings
):
    receiver.fail_first = 1000
    await subscribe(notify, receiver.url, kinds=["case-opened"])
    member = new_id()
    await publish(make.member_registered(member), make.case_opened(member))
    outcomes = await eventually(lambda: _outcomes(notify, 1), timeout=30)
    max_attempts = int(webhook_settings["KITE_WEBHOOK_MAX_ATTEMPTS"])
    assert [(o["type"], o["attempt"], o["error"]) for o in outcomes] == [
        ("notification-delivery-failed", max_attempts, "HTTP 503")
    ]
    assert len(receiver.posts) == max_attempts
    assert await notify.pool.fetchval("SELECT count(*) FROM webhook_deliveries") == 0
    # the in-app channel is not held back by a failing webhook
    assert await notify.pool.fetchval("SELECT count(*) FROM member_inbox WHERE member_id = $1", member) == 2


async def test_a_pending_delivery_survives_a_restart_and_keeps_its_attempt_count(
    infra, prefix, publish, make, receiver, monkeypatch
):
    monkeypatch.setenv("KITE_WEBHOOK_BACKOFF_INITIAL_S", "0.2")
    monkeypatch.setenv("KITE_WEBHOOK_MAX_ATTEMPTS", "20")
    receiver.fail_first = 1000
    dsn = await infra.fresh_database(SERVICE)
    try:
        async with running(infra, SERVICE, prefix, dsn=dsn) as first:
            await subscribe(first, receiver.url, kinds=["case-opened"])
            member = new_id()
            await publish(make.member_registered(member), make.case_opened(member))
            await eventually(lambda: first.pool.fetchval("SELECT attempts >= 2 FROM webhook_deliveries"), timeout=30)
        tried_before = len(receiver.posts)
        receiver.fail_first = 0  # the receiver comes back while notify is down
        receiver.posts.clear()
        async with running(infra, SERVICE, prefix, dsn=dsn) as second:
            outcomes = await eventually(lambda: _outcomes(second, 1), timeout=30)
        assert [(o["type"], o["attempt"]) for o in outcomes] == [("notification-delivered", tried_before + 1)]
        assert len(receiver.accepted) == 1
    finally:
        await infra.drop(dsn)


async def test_subscriptions_filter_by_kind_and_by_the_subscribers_jurisdiction(notify, publish, make, receiver):
    await subscribe(notify, receiver.url + "?only=jobs", kinds=["job-matched"])
    await subscribe(notify, receiver.url + "?county", jurisdiction=make.county)
    here, elsewhere = new_id(), new_id()
    await publish(
        make.member_registered(here),
        make.job_matched(here),
        make.member_registered(elsewhere, origin="520102001001"),  # outside the county, and no job hook's kind
        make.job_matched(elsewhere, origin="520102001001"),
    )
    # here: welcome → county hook; job → both hooks. elsewhere: job → jobs hook only.
    await eventually(lambda: _outcomes(notify, 4), timeout=30)
    await asyncio.sleep(0.3)
    delivered = sorted(
        (json.loads(g.body)["data"]["member_id"] == str(here), json.loads(g.body)["data"]["kind"])
        for g in receiver.accepted
    )
    assert delivered == [(False, "job-matched"), (True, "job-matched"), (True, "job-matched"), (True, "welcome")]


async def test_webhook_subscriptions_are_managed_by_notifiers_within_their_jurisdiction(notify):
    county = auth(["notifier"], "522631")
    async with notify.client() as http:
        created = await http.post(
            "/webhooks", json={"url": "https://hooks.example.org/kite", "kinds": ["welcome"]}, headers=county
        )
        assert created.status_code == 201, created.text
        sub = created.json()
        assert created.headers["location"] == f"/webhooks/{sub['subscription_id']}"
        assert (sub["url"], sub["kinds"], sub["jurisdiction"]) == (
            "https://hooks.example.org/kite",
            ["welcome"],
            "522631",
        )
        listed = (await http.get("/webhooks", headers=auth(["notifier"], "52"))).json()["items"]
        assert [s["subscription_id"] for s in listed] == [sub["subscription_id"]]
        assert (await http.get("/webhooks", headers=auth(["notifier"], "520102"))).json()["items"] == []
        assert (await http.get("/webhooks", headers=auth(["viewer"], ""))).status_code == 403
        by_member = await http.post("/webhooks", json={"url": "https://x.org/k"}, headers=auth(["member"]))
        assert by_member.status_code == 403

        for bad in (
            {"url": "ftp://files.example.org/x"},
            {"url": "https://user:pw@example.org/x"},
            {"url": "https://example.org/x", "kinds": ["gossip"]},
        ):
            response = await http.post("/webhooks", json=bad, headers=county)
            assert response.status_code == 422, (bad, response.text)

        path = f"/webhooks/{sub['subscription_id']}"
        outside = auth(["admin"], "520102")  # another jurisdiction's subscription answers as an unknown one
        theirs = await http.delete(path, headers=outside)
        assert theirs.status_code == 404
        assert answer(theirs) == answer(await http.delete(f"/webhooks/{new_id()}", headers=outside))
        assert (await http.delete(path, headers=county)).status_code == 204
        assert (await http.delete(path, headers=county)).status_code == 404
        assert (await http.get("/webhooks", headers=county)).json()["items"] == []


async def _at_least(items: list, n: int) -> bool:
    return len(items) >= n


async def _outcomes(svc, n: int) -> list[dict] | None:
    found = await outcome_events(svc)
    return found if len(found) >= n else None

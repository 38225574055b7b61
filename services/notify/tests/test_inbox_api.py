"""Events from roster, casework and jobs become notifications in the member's inbox, over real HTTP,
PostgreSQL and Kafka."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime

from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.rebuild import rebuild_projections
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.stack import answer, auth, eventually
from kite_notify.service import SERVICE


def as_member(member_id) -> dict[str, str]:
    return auth(["member"], "", subject=str(member_id))


async def inbox_of(notify, member_id, count: int, headers=None, **params) -> dict:
    """The member's inbox once it holds `count` notifications."""
    async with notify.client(headers=headers or as_member(member_id)) as http:

        async def check():
            response = await http.get(f"/members/{member_id}/inbox", params=params)
            assert response.status_code == 200, response.text
            page = response.json()
            return page if len(page["items"]) >= count else None

        return await eventually(check, timeout=30)


async def test_registration_case_and_job_match_land_in_the_members_inbox_newest_first(notify, publish, make):
    member = new_id()
    unrelated = EventEnvelope(
        id=new_id(),
        source="/kite/roster",
        type="kite.roster.member-moved.v1",
        subject=f"member-{member}",
        time=datetime.now().astimezone(),
        data={"member_id": str(member)},
        stream_version=2,
    )
    await publish(make.member_registered(member, name="王芳"))
    await eventually(lambda: notify.pool.fetchval("SELECT count(*) FROM member_directory"))
    await publish(unrelated, make.case_opened(member), make.job_matched(member))

    page = await inbox_of(notify, member, 3)
    await asyncio.sleep(0.5)  # the ignored event must not add anything, even later
    page = await inbox_of(notify, member, 3)
    items = page["items"]
    assert len(items) == 3 and page["unread"] == 3 and page["next_cursor"] is None
    by_kind = {i["kind"]: i for i in items}
    assert by_kind["welcome"]["title"] == "欢迎加入风筝家园"
    assert by_kind["welcome"]["body"].startswith("王芳，您好！欢迎加入风筝家园")
    assert by_kind["case-opened"]["title"] == "您的诉求（欠薪）已提交，待受理"
    assert by_kind["case-opened"]["body"].startswith("王芳，您好！您的诉求（欠薪）已提交，目前待受理。")
    assert "已受理" not in by_kind["case-opened"]["body"]
    assert by_kind["job-matched"]["title"] == "为您推荐岗位：电子厂普工（杭州）"
    assert all(i["member_id"] == str(member) and i["read"] is False for i in items)
    times = [i["created_at"] for i in items]
    assert times == sorted(times, reverse=True)


async def test_notifications_are_published_on_notifys_own_topic(notify, publish, make, infra, prefix):
    member = new_id()
    source = make.member_registered(member)
    await publish(source)
    messages = await read_messages(infra.bootstrap, topic_for("notify", prefix), 2)
    types = [m.headers["ce_type"].decode() for m in messages]
    assert types == ["kite.notify.notification-created.v2", "kite.notify.notification-delivered.v1"]
    assert {m.key for m in messages} == {messages[0].headers["ce_subject"]}
    created = json.loads(messages[0].value)
    assert created["member_id"] == str(member) and created["source_event_id"] == str(source.id)
    assert created["channels"] == ["in_app"] and created["origin_division_code"] == make.origin


async def test_inbox_pages_newest_first_without_gaps_or_repeats(notify, publish, make):
    member = new_id()
    await publish(make.member_registered(member), *(make.job_matched(member) for _ in range(4)))
    everything = (await inbox_of(notify, member, 5))["items"]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        async with notify.client(headers=as_member(member)) as http:
            page = (await http.get(f"/members/{member}/inbox", params=params)).json()
        seen += [i["notification_id"] for i in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [i["notification_id"] for i in everything]
    assert len(set(seen)) == 5
    async with notify.client(headers=as_member(member)) as http:
        bad = await http.get(f"/members/{member}/inbox", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and bad.json()["type"].endswith("/bad-cursor")


async def test_a_redelivered_event_makes_one_notification_even_past_the_consumer_inbox(notify, publish, make):
    member = new_id()
    await publish(make.member_registered(member))
    await inbox_of(notify, member, 1)
    event = make.case_opened(member)
    await publish(event, event)
    await inbox_of(notify, member, 2)
    # Forget that the event was handled (an inbox purge, a new consumer group) and deliver it again.
    await notify.pool.execute("DELETE FROM inbox")
    await publish(event)
    await eventually(lambda: notify.pool.fetchval("SELECT count(*) FROM inbox"))
    await asyncio.sleep(0.3)
    page = await inbox_of(notify, member, 2)
    assert len(page["items"]) == 2
    created = await notify.pool.fetchval(
        """SELECT count(*) FROM events
           WHERE type = 'kite.notify.notification-created.v2' AND data->>'kind' = 'case-opened'"""
    )
    assert created == 1


async def test_staff_read_inboxes_only_inside_their_jurisdiction_and_members_only_their_own(notify, publish, make):
    member, other = new_id(), new_id()
    await publish(make.member_registered(member), make.member_registered(other))
    await inbox_of(notify, member, 1)
    path = f"/members/{member}/inbox"
    async with notify.client() as http:
        assert (await http.get(path)).status_code == 401
        for roles, jurisdiction in (
            (["viewer"], make.county),
            (["caseworker"], "52"),
            (["notifier"], ""),
            (["admin"], make.county),
        ):
            response = await http.get(path, headers=auth(roles, jurisdiction))
            assert response.status_code == 200, (roles, response.text)
            assert len(response.json()["items"]) == 1
        # Another county's member's inbox answers exactly as an unknown member's.
        outside = auth(["viewer"], "520102")
        foreign = await http.get(path, headers=outside)
        assert foreign.status_code == 404
        assert answer(foreign) == answer(await http.get(f"/members/{new_id()}/inbox", headers=outside))
        assert (await http.get(path, headers=as_member(other))).status_code == 403
        assert (await http.get(path, headers=auth(["registrar"], make.county))).status_code == 403
        unknown = await http.get(f"/members/{new_id()}/inbox", headers=auth(["viewer"], make.county))
        assert unknown.status_code == 404
        own_empty = await http.get(f"/members/{(nobody := new_id())}/inbox", headers=as_member(nobody))
        assert own_empty.status_code == 200 and own_empty.json()["items"] == []


async def test_marking_read_once_or_twice_reads_it_once_and_only_the_member_or_a_notifier_may(notify, publish, make):
    member = new_id()
    await publish(make.member_registered(member), make.job_matched(member))
    items = (await inbox_of(notify, member, 2))["items"]
    first, second = items[0]["notification_id"], items[1]["notification_id"]
    async with notify.client() as http:
        url = f"/members/{member}/inbox/{first}/read"
        assert (await http.post(url, headers=auth(["viewer"], make.county))).status_code == 403
        outside = auth(["notifier"], "520102")  # a notifier of another county: as an unknown member
        theirs = await http.post(url, headers=outside)
        assert theirs.status_code == 404
        assert answer(theirs) == answer(await http.post(f"/members/{new_id()}/inbox/{first}/read", headers=outside))
        assert (await http.post(url, headers=as_member(new_id()))).status_code == 403
        marked = await http.post(url, headers=as_member(member))
        assert marked.status_code == 200, marked.text
        assert marked.json()["read"] is True and marked.json()["read_at"]
        again = await http.post(url, headers=as_member(member))
        assert again.json()["read_at"] == marked.json()["read_at"]
        by_notifier = await http.post(f"/members/{member}/inbox/{second}/read", headers=auth(["notifier"], "52"))
        assert by_notifier.status_code == 200
        missing = await http.post(f"/members/{member}/inbox/{new_id()}/read", headers=as_member(member))
        assert missing.status_code == 404
        page = (await http.get(f"/members/{member}/inbox", headers=as_member(member))).json()
    assert page["unread"] == 0
    reads = await notify.pool.fetchval("SELECT count(*) FROM events WHERE type = 'kite.notify.notification-read.v1'")
    assert reads == 2


async def test_rebuilt_read_models_equal_the_live_ones(notify, publish, make):
    member = new_id()
    await publish(make.member_registered(member), make.case_opened(member), make.job_matched(member))
    items = (await inbox_of(notify, member, 3))["items"]
    async with notify.client(headers=auth(["admin"])) as http:
        await http.post(f"/members/{member}/inbox/{items[0]['notification_id']}/read", headers=as_member(member))
        kept = (await http.post("/webhooks", json={"url": "https://example.org/kite"})).json()
        dropped = (await http.post("/webhooks", json={"url": "https://example.org/old"})).json()
        assert (await http.delete(f"/webhooks/{dropped['subscription_id']}")).status_code == 204
    assert kept["subscription_id"]

    async def snapshot():
        return [
            [tuple(r) for r in await notify.pool.fetch(f"SELECT * FROM {table} ORDER BY 1")]
            for table in ("member_inbox", "webhook_subscriptions")
        ]

    live = await snapshot()
    async with notify.pool.acquire() as conn:
        await rebuild_projections(conn, SERVICE)
    assert await snapshot() == live
    assert len(live[0]) == 3 and len(live[1]) == 2

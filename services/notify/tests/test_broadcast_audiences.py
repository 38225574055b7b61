"""Broadcasts beyond the inbox and beyond a division: by SMS and email to the members who chose them
(opted-out members skipped, quiet hours waited out, each channel paced by the delivery worker), to
monitored households, to a trade, to a fair's invitees; and how many it would reach, before sending."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.clock import utcnow
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import auth, eventually
from kite_notify.application.broadcasts import send_batch
from kite_notify.service import SERVICE

from .conftest import _event
from .test_broadcasts import TEXTS, _completed
from .test_inbox_api import inbox_of
from .test_more_notices import fair_organised, fair_registered
from .test_preferences_api import _quiet_now

CLERK = auth(["notifier"], "522631", subject="clerk-1")
VILLAGE = "522631101001"
ALL = ["in_app", "sms", "email"]


async def _member(svc, publish, make, prefs: dict | None = None, **kw):
    member = new_id()
    await publish(make.member_registered(member, **kw))
    await inbox_of(svc, member, 1)
    if prefs is not None:
        async with svc.client(headers=auth(["member"], subject=str(member))) as http:
            saved = await http.put(f"/members/{member}/preferences", json={"quiet_hours": None, **prefs})
            assert saved.status_code == 200, saved.text
    return member


async def _count(svc, body: dict, headers=CLERK):
    async with svc.client(headers=headers) as http:
        return await http.post("/broadcasts/audience", json=body)


async def test_a_broadcast_goes_by_sms_and_email_to_who_chose_them_skipping_opt_outs_and_waiting_out_quiet_hours(
    channels, publish, make
):
    svc, mailbox, provider = channels
    by_sms = await _member(svc, publish, make, {"channels": ["in_app", "sms"], "phone_number": "13800000001"})
    by_email = await _member(
        svc, publish, make, {"channels": ["in_app", "email"], "email_address": "li@example.cn"}, name="李四"
    )
    opted = {"channels": ["in_app", "sms"], "phone_number": "13800000003", "broadcasts": False}
    opted_out = await _member(svc, publish, make, opted)
    quiet = {"channels": ["in_app", "sms"], "phone_number": "13800000004", "quiet_hours": _quiet_now()}
    sleeping = await _member(svc, publish, make, quiet)
    inbox_only = await _member(svc, publish, make)

    audience = {"division_code_prefix": VILLAGE, "channels": ALL}
    counted = await _count(svc, audience)
    assert counted.status_code == 200, counted.text
    assert counted.json() == {"recipients": 5, "opted_out": 1, "in_app": 4, "sms": 2, "email": 1}
    assert (await _count(svc, {**audience, "channels": ["in_app", "email"]})).json()["sms"] == 0

    async with svc.client(headers=CLERK) as http:
        created = await http.post("/broadcasts", json={**audience, "texts": TEXTS})
    assert created.status_code == 201, created.text
    bid = created.json()["broadcast_id"]
    assert created.json()["channels"] == ALL
    done = await eventually(lambda: _completed(svc, bid), timeout=30)
    assert (done["sent"], done["opted_out"], done["messages_queued"]) == (4, 1, 3)

    await eventually(lambda: _true(len(provider.accepted) == 1 and len(mailbox.messages) == 1), timeout=30)
    [sms] = provider.accepted
    assert (sms["PhoneNumbers"], sms["TemplateCode"]) == ("13800000001", "SMS_465900002")
    [(mail, over_tls, rcpt)] = mailbox.messages
    assert rcpt == ["li@example.cn"] and over_tls and mail["Subject"] == "春季招聘会"
    assert mail.get_content().startswith("李四，您好！3月1日县城举办春季招聘会")
    # The one in quiet hours waits for their end; the opted-out member gets nothing at all.
    held = await svc.pool.fetchval(
        "SELECT count(*) FROM outbound_deliveries"
        " WHERE channel = 'sms' AND next_attempt_at > now() + interval '30 minutes'"
    )
    assert held == 1  # of the two SMS, the sleeping member's (the other is sent)
    assert [i["kind"] for i in (await inbox_of(svc, opted_out, 1))["items"]] == ["welcome"]
    for m in (by_sms, by_email, sleeping, inbox_only):
        assert (await inbox_of(svc, m, 2))["items"][0]["kind"] == "broadcast"

    status = await eventually(lambda: _with_results(svc, bid), timeout=30)
    assert status["messages"]["email"]["delivered"] == 1
    assert status["messages"]["sms"]["sending"] == 1 and status["messages"]["sms"]["created"] == 1
    # A batch handled again (its worker died after the commit) queues no message twice.
    runtime = ServiceRuntime(SERVICE, svc.pool, svc.kafka)
    await svc.pool.execute(
        "UPDATE broadcasts SET status = 'sending', cursor_origin = NULL, cursor_member = NULL WHERE broadcast_id = $1",
        uuid.UUID(bid),
    )
    await send_batch(runtime.unit_of_work(), uuid.UUID(bid), utcnow())
    requested = (
        "SELECT count(*) FROM events WHERE type = 'kite.notify.message-requested.v1' AND data->>'reference' = $1"
    )
    assert await svc.pool.fetchval(requested, f"broadcast:{bid}") == 3
    assert await svc.pool.fetchval("SELECT count(*) FROM notifications WHERE reference = $1", f"broadcast:{bid}") == 3
    # No number or address in any event.
    assert await svc.pool.fetchval("SELECT count(*) FROM events WHERE data::text LIKE '%1380000000%'") == 0


async def _true(value: bool) -> bool:
    return value


async def _with_results(svc, bid: str) -> dict | None:
    async with svc.client(headers=CLERK) as http:
        status = (await http.get(f"/broadcasts/{bid}")).json()
    done = status["messages"].get("email", {}).get("delivered") and status["messages"].get("sms", {}).get("sending")
    return status if done else None


def household(kind: str, household_id, version: int, **data) -> object:
    return _event("roster", kind, f"household-{household_id}", {"household_id": str(household_id), **data}, version)


async def test_broadcast_filters_monitored_households_a_trade_and_a_fairs_invitees(notify, publish, make):
    welder = await _member(notify, publish, make, skills=["焊工"])
    cook = await _member(notify, publish, make, skills=["厨师"])
    monitored_family, other_family = new_id(), new_id()
    await publish(
        household("household-registered", monitored_family, 1, division_code=VILLAGE, monitored=False),
        household("household-member-added", monitored_family, 2, member_id=str(cook), relation="head"),
        household("household-risk-flagged", monitored_family, 3, category="edge", division_code=VILLAGE),
        household("household-registered", other_family, 1, division_code=VILLAGE, monitored=False),
        household("household-member-added", other_family, 2, member_id=str(welder), relation="head"),
    )
    fair = new_id()
    await publish(
        fair_organised(fair, date(2025, 3, 8)),
        fair_registered(fair, welder, invited=True, version=2),
        fair_registered(fair, cook, invited=False, version=3),
    )
    await inbox_of(notify, welder, 2)  # the invitation: the fair's events are handled

    async def reach(body: dict) -> int:
        counted = await _count(notify, body)
        assert counted.status_code == 200, counted.text
        return counted.json()["recipients"]

    await eventually(lambda: _settled(notify), timeout=30)
    assert await reach({"division_code_prefix": VILLAGE}) == 2
    assert await reach({"division_code_prefix": VILLAGE, "monitored_households_only": True}) == 1
    assert await reach({"division_code_prefix": VILLAGE, "trades": ["焊工", "电工"]}) == 1
    assert await reach({"fair_id": str(fair)}) == 1

    async with notify.client(headers=CLERK) as http:
        sent = await http.post(
            "/broadcasts", json={"division_code_prefix": VILLAGE, "monitored_households_only": True, "texts": TEXTS}
        )
        bid = sent.json()["broadcast_id"]
        await eventually(lambda: _completed(notify, bid), timeout=30)
        to_fair = await http.post("/broadcasts", json={"fair_id": str(fair), "trades": ["焊工"], "texts": TEXTS})
        assert to_fair.status_code == 201 and to_fair.json()["fair_id"] == str(fair)
        await eventually(lambda: _completed(notify, to_fair.json()["broadcast_id"]), timeout=30)
    cook_items = (await inbox_of(notify, cook, 2))["items"]
    assert [i["kind"] for i in cook_items] == ["broadcast", "welcome"]
    welder_items = (await inbox_of(notify, welder, 3))["items"]
    assert [i["kind"] for i in welder_items] == ["broadcast", "fair-invitation", "welcome"]

    # Outside the jurisdiction, or not a place, an unknown fair, a channel that is not one: refused.
    other = auth(["notifier"], "522632")
    outside = await _count(notify, {"division_code_prefix": VILLAGE}, other)
    assert outside.status_code == 403 and outside.json()["detail"] == "不能向管辖范围以外的地区群发"
    theirs = await _count(notify, {"fair_id": str(fair)}, other)
    assert theirs.status_code == 403
    for body, detail in (
        ({"fair_id": str(new_id())}, "未找到该招聘会"),
        ({"division_code_prefix": VILLAGE, "channels": ["sms"]}, "群发渠道须包含 in_app"),
        ({"division_code_prefix": VILLAGE, "channels": ["in_app", "wechat"]}, "群发渠道须包含 in_app"),
        ({"division_code_prefix": VILLAGE, "fair_id": str(fair)}, "须指定区划代码前缀、组织或招聘会，三者选一"),
    ):
        refused = await _count(notify, body)
        assert refused.status_code == 422 and refused.json()["detail"].startswith(detail), refused.text
    async with notify.client(headers=CLERK) as http:
        before = await notify.pool.fetchval("SELECT count(*) FROM broadcasts")
        bad = await http.post("/broadcasts", json={"division_code_prefix": VILLAGE, "channels": ["x"], "texts": TEXTS})
        assert bad.status_code == 422
        assert await notify.pool.fetchval("SELECT count(*) FROM broadcasts") == before


async def _settled(notify) -> bool:
    return await notify.pool.fetchval(
        "SELECT (SELECT count(*) FROM household_members) = 2 AND (SELECT count(*) FROM fair_invitees) = 1"
    )

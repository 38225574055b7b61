"""Preferences over real HTTP: the member sets their own, staff set them for the member within their
jurisdiction; a notice then goes by the preferred channel, in the preferred language, and waits out
the quiet hours unless it is about an urgent case."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from kite_common.ids import new_id
from kite_common.testing.stack import answer, auth, eventually

from .test_inbox_api import inbox_of

NO_QUIET = {"channels": ["in_app"], "quiet_hours": None}


async def _registered(svc, publish, make, **kw) -> object:
    member = new_id()
    await publish(make.member_registered(member, **kw))
    await inbox_of(svc, member, 1)
    return member


async def test_a_member_sets_their_own_preferences_and_staff_set_them_only_inside_their_jurisdiction(
    notify, publish, make
):
    member = await _registered(notify, publish, make)
    path = f"/members/{member}/preferences"
    async with notify.client() as http:
        defaults = (await http.get(path, headers=auth(["member"], subject=str(member)))).json()
        assert defaults["channels"] == ["in_app"] and defaults["broadcasts"] is True
        assert defaults["quiet_hours"] == {"start": "22:00", "end": "07:00", "timezone": "Asia/Shanghai"}

        body = {
            "channels": ["in_app", "sms"],
            "language": "bo",
            "quiet_hours": {"start": "21:30", "end": "06:30"},
            "broadcasts": False,
            "phone_number": "13812345678",
        }
        own = await http.put(path, json=body, headers=auth(["member"], subject=str(member)))
        assert own.status_code == 200, own.text
        shown = own.json()
        assert (shown["phone_number"], shown["language"], shown["broadcasts"]) == ("138****5678", "bo", False)
        assert shown["quiet_hours"]["start"] == "21:30" and shown["set_by"] == str(member)

        clerk = auth(["notifier"], make.county, subject="clerk-1")
        for_them = await http.put(path, json={**body, "channels": ["in_app"], "language": None}, headers=clerk)
        assert for_them.status_code == 200 and for_them.json()["set_by"] == "clerk-1"
        assert for_them.json()["phone_number"] == "138****5678"  # omitted: kept

        outside = await http.put(path, json=body, headers=auth(["notifier"], "520102"))
        unknown = await http.put(f"/members/{new_id()}/preferences", json=body, headers=auth(["notifier"], "520102"))
        assert outside.status_code == 404 and answer(outside) == answer(unknown)
        assert (await http.put(path, json=body, headers=auth(["viewer"], make.county))).status_code == 403
        someone_else = auth(["member"], subject=str(new_id()))
        assert (await http.put(path, json=body, headers=someone_else)).status_code == 403

    events = await notify.pool.fetch("SELECT data FROM events WHERE type = 'kite.notify.preferences-set.v1'")
    assert len(events) == 2 and all("13812345678" not in str(e["data"]) for e in events)
    stored = await notify.pool.fetchval("SELECT phone_enc FROM member_preferences WHERE member_id = $1", member)
    assert stored and "13812345678" not in stored


async def test_bad_preferences_are_refused_in_chinese_and_change_nothing(notify, publish, make):
    member = await _registered(notify, publish, make)
    path = f"/members/{member}/preferences"
    me = auth(["member"], subject=str(member))
    bad = [
        ({**NO_QUIET, "quiet_hours": {"start": "25:00", "end": "07:00"}}, "免打扰时段须为 HH:MM 格式的时间"),
        ({**NO_QUIET, "quiet_hours": {"start": "晚上十点", "end": "07:00"}}, "免打扰时段须为 HH:MM 格式的时间"),
        ({**NO_QUIET, "language": "ug"}, "不支持的语言 ug"),
        ({**NO_QUIET, "channels": ["in_app", "sms"]}, "选择短信渠道须填写手机号"),
        ({**NO_QUIET, "channels": ["in_app", "sms"], "phone_number": "12345"}, "手机号格式不正确"),
        ({**NO_QUIET, "channels": ["wechat"]}, "没有 wechat 这种渠道"),
    ]
    async with notify.client(headers=me) as http:
        for body, detail in bad:
            response = await http.put(path, json=body)
            assert response.status_code == 422, (body, response.text)
            assert response.json()["detail"].startswith(detail), response.json()
        assert (await http.get(path)).json()["set_by"] is None  # still the defaults
    assert await notify.pool.fetchval("SELECT count(*) FROM member_preferences") == 0
    assert await notify.pool.fetchval("SELECT count(*) FROM events WHERE type LIKE 'kite.notify.preferences%'") == 0


def _quiet_now() -> dict:
    """Quiet hours around the present moment, in Beijing time."""
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    return {"start": (now - timedelta(hours=1)).strftime("%H:%M"), "end": (now + timedelta(hours=1)).strftime("%H:%M")}


async def test_a_case_notice_goes_by_sms_in_the_members_language_and_waits_out_quiet_hours_unless_urgent(
    channels, publish, make
):
    svc, _, provider = channels
    member = await _registered(svc, publish, make, name="卓玛")
    prefs = {"channels": ["in_app", "sms"], "phone_number": "13812345678", "quiet_hours": _quiet_now()}
    async with svc.client(headers=auth(["member"], subject=str(member))) as http:
        assert (await http.put(f"/members/{member}/preferences", json=prefs)).status_code == 200

    calm, urgent = new_id(), new_id()
    await publish(make.case_opened(member, case_id=calm, urgency="normal"), make.case_step(calm, "case-accepted", 2))
    await publish(
        make.case_opened(member, case_id=urgent, urgency="critical"), make.case_step(urgent, "case-accepted", 2)
    )
    await eventually(lambda: _at_least(provider.accepted, 1), timeout=30)
    await inbox_of(svc, member, 5)  # welcome, 2 × opened, 2 × accepted: the inbox is not held back

    # Only the urgent case's acceptance went out at once (the opened notices have no SMS template code).
    [sent] = provider.accepted
    assert sent["PhoneNumbers"] == "13812345678" and sent["TemplateCode"] == "SMS_465900001"
    assert "卓玛" in sent["TemplateParam"]

    async def queued() -> list | None:  # the urgent one leaves the queue once its status is recorded
        rows = await svc.pool.fetch(
            """SELECT kind, next_attempt_at > now() + interval '30 minutes' AS held FROM outbound_deliveries
               WHERE kind = 'case-accepted'"""
        )
        return rows if len(rows) == 1 else None

    waiting = await eventually(queued, timeout=30)
    assert [(w["kind"], w["held"]) for w in waiting] == [
        ("case-accepted", True)
    ]  # the calm one waits for the quiet hours' end


async def _at_least(items: list, n: int) -> bool:
    return len(items) >= n

"""The party dues reminder over real Kafka: roster's party-dues-reminder-due tells the member once
(even when delivered twice), in Chinese where no verified translation exists, and by their preferred
email only after their quiet hours."""

from __future__ import annotations

from typing import Any

from kite_common.ids import new_id
from kite_common.testing.stack import auth, eventually

from .conftest import _event
from .test_inbox_api import inbox_of
from .test_preferences_api import _quiet_now


def dues_reminder_due(member_id, month: str) -> Any:
    data = {"member_id": str(member_id), "month": month, "due_on": f"{month}-20"}
    return _event("roster", "party-dues-reminder-due", f"party-{member_id}", data, 4)


async def test_an_unpaid_member_is_reminded_once_in_chinese_and_by_email_after_quiet_hours(notify, publish, make):
    yang, li = new_id(), new_id()
    await publish(
        make.member_registered(yang, name="杨春", languages=["彝语"]), make.member_registered(li, name="李四")
    )
    await inbox_of(notify, li, 1)
    prefs = {"channels": ["in_app", "email"], "email_address": "li@example.cn", "quiet_hours": _quiet_now()}
    async with notify.client(headers=auth(["member"], subject=str(li))) as http:
        assert (await http.put(f"/members/{li}/preferences", json=prefs)).status_code == 200

    reminder = dues_reminder_due(yang, "2026-11")
    await publish(reminder, reminder, dues_reminder_due(li, "2026-11"))  # the first delivered twice

    items = {i["kind"]: i for i in (await inbox_of(notify, yang, 2))["items"]}
    assert items["dues-reminder"]["title"] == "党费缴纳提醒：2026年11月"  # no ii version: Chinese
    assert items["dues-reminder"]["body"].startswith("杨春同志，您好！您2026年11月的党费尚未交纳。")
    assert (
        await notify.pool.fetchval(
            "SELECT count(*) FROM notifications WHERE kind = 'dues-reminder' AND member_id = $1", yang
        )
        == 1
    )

    async def held() -> list | None:
        rows = await notify.pool.fetch(
            """SELECT next_attempt_at > now() + interval '30 minutes' AS held FROM outbound_deliveries
               WHERE kind = 'dues-reminder'"""
        )
        return rows or None

    assert [r["held"] for r in await eventually(held, timeout=30)] == [True]  # waits out Li's quiet hours
    # One notice for the reminder delivered twice.
    assert (
        await notify.pool.fetchval(
            "SELECT count(*) FROM notifications WHERE kind = 'dues-reminder' AND member_id = $1", yang
        )
        == 1
    )

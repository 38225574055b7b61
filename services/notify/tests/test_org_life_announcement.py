"""An org-life session announced by a branch (roster's org-life-session-planned) over real Kafka and
PostgreSQL: the branch's party members read it once in their inbox, filled from the Chinese default
template with the branch, time (Beijing), place and topic, even when the event is delivered twice
and when it arrives before the branch's own registration."""

from __future__ import annotations

import uuid
from typing import Any

from kite_common.ids import new_id
from kite_common.testing.stack import eventually

from .conftest import _event
from .test_broadcasts import _members


def session_planned(branch: uuid.UUID, topic: str = "学习贯彻全会精神") -> Any:
    session_id = new_id()
    data = {
        "session_id": str(session_id),
        "organisation_id": str(branch),
        "organisation_name": "德凤镇驻杭流动党员党支部",
        "division_code": "522631101000",
        "kind": "branch-general-meeting",
        "mode": "in-person",
        "starts_at": "2099-12-05T11:30:00+00:00",
        "place": "驻杭服务站二楼会议室",
        "topic": topic,
        "planned_by": "secretary-1",
    }
    return _event("roster", "org-life-session-planned", f"org-life-{session_id}", data)


async def test_a_planned_session_reaches_each_party_member_of_the_branch_once(notify, publish, make):
    committee, branch, elsewhere = new_id(), new_id(), new_id()
    first, second, outsider = await _members(notify, publish, make, 3)
    await publish(
        make.membership_joined(first, branch),
        make.membership_joined(second, branch),
        make.membership_joined(outsider, elsewhere),
        make.organisation_registered(elsewhere, "522631102000"),
    )
    await eventually(lambda: notify.pool.fetchval("SELECT count(*) = 3 FROM org_memberships"))
    planned = session_planned(branch, topic="学习{党章}")  # braces in a value are text, not placeholders
    # The announcement, twice, before the branch's own registration reached notify.
    await publish(planned, planned)
    await eventually(lambda: notify.pool.fetchval("SELECT count(*) = 1 FROM broadcasts"))
    await publish(make.organisation_registered(branch, "522631101000", parent_id=committee))

    async def delivered() -> list | None:
        rows = await notify.pool.fetch("SELECT member_id, title, body FROM broadcast_inbox ORDER BY member_id")
        return rows if len(rows) >= 2 else None

    rows = await eventually(delivered, timeout=30)
    assert sorted(r["member_id"] for r in rows) == sorted([first, second])
    body = {r["member_id"]: r["body"] for r in rows}[first]
    assert body.startswith("成员0同志：德凤镇驻杭流动党员党支部定于2099年12月5日 19:30召开支部党员大会（线下）")
    assert "主题：学习{党章}" in body and "地点：驻杭服务站二楼会议室" in body
    assert rows[0]["title"] == "德凤镇驻杭流动党员党支部支部党员大会通知"
    assert await notify.pool.fetchval("SELECT count(*) FROM broadcasts") == 1  # the redelivery scheduled none

    # The branch's registration, arriving after the announcement, still gives notify its parent.
    async def parent() -> uuid.UUID | None:
        return await notify.pool.fetchval(  # type: ignore[no-any-return]
            "SELECT parent_id FROM organisations WHERE organisation_id = $1", branch
        )

    assert await eventually(parent) == committee

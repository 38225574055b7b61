"""The monthly party dues reminder over real HTTP and PostgreSQL: from the reminder day on, one
party-dues-reminder-due per party member in normal status who has not paid the month, and only once."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import pytest
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import auth, running
from kite_roster.party.application import dues_reminders
from kite_roster.party.workers.dues_reminders import DuesReminderSettings, run_dues_reminders_once
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"
ORIGIN = f"{COUNTY}101001"
PARTY = auth(["party-affairs"], COUNTY)
REMINDER = "kite.roster.party-dues-reminder-due.v1"
# 2026-11-20 09:00 in Beijing, and the evening before.
ON_THE_DAY = datetime(2026, 11, 20, 1, 0, tzinfo=UTC)
DAY_BEFORE = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


def runtime_of(svc) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    return ServiceRuntime(SERVICE, svc.pool, svc.kafka)


async def party_member(roster, seq: int, joined_on: str = "2020-07-01") -> str:  # type: ignore[no-untyped-def]
    first17 = f"{COUNTY}19900101{seq:03d}"
    body = {
        "name": f"党员{seq}",
        "id_number": first17 + check_digit(first17),
        "phone": f"138{seq:08d}",
        "origin_division_code": ORIGIN,
        "current_city": "杭州",
        "is_party_member": False,
    }
    async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
        created = await http.post("/members", json=body)
        assert created.status_code == 201, created.text
    member_id = str(created.json()["member_id"])
    async with roster.client(headers=PARTY) as http:
        recorded = await http.post(
            "/party-members", json={"member_id": member_id, "joined_on": joined_on, "probationary": False}
        )
        assert recorded.status_code == 201, recorded.text
    return member_id


async def reminders(roster) -> list[tuple[str, str]]:  # type: ignore[no-untyped-def]
    rows = await roster.pool.fetch("SELECT stream_id, data FROM events WHERE type = $1 ORDER BY position", REMINDER)
    out = []
    for r in rows:
        data = r["data"] if isinstance(r["data"], dict) else json.loads(r["data"])
        out.append((r["stream_id"].removeprefix("party-"), data["month"]))
    return out


async def test_unpaid_members_are_reminded_once_on_the_day_and_paid_ones_never(roster):
    unpaid = await party_member(roster, 1)
    paid = await party_member(roster, 2)
    suspended = await party_member(roster, 3)
    async with roster.client(headers=PARTY) as http:
        answer = await http.post(
            f"/party-members/{paid}/dues", json={"month": "2026-11", "amount_fen": 1500, "paid_on": "2026-11-05"}
        )
        assert answer.status_code == 200, answer.text
        answer = await http.post(
            f"/party-members/{suspended}/status",
            json={"status": "suspended", "changed_on": "2026-10-01", "reason": "停止党籍"},
        )
        assert answer.status_code == 200, answer.text

    settings = DuesReminderSettings(batch_size=1)  # several pages
    assert await run_dues_reminders_once(runtime_of(roster), now=DAY_BEFORE, settings=settings) == 0
    assert await run_dues_reminders_once(runtime_of(roster), now=ON_THE_DAY, settings=settings) == 1
    assert await reminders(roster) == [(unpaid, "2026-11")]
    # A second pass, and two replicas at once, write nothing more.
    assert await run_dues_reminders_once(runtime_of(roster), now=ON_THE_DAY, settings=settings) == 0
    both = await asyncio.gather(
        *(run_dues_reminders_once(runtime_of(roster), now=ON_THE_DAY, settings=settings) for _ in range(2))
    )
    assert all(n in (0, None) for n in both)
    assert await reminders(roster) == [(unpaid, "2026-11")]


async def test_a_pass_that_stops_mid_month_resumes_and_a_finished_month_is_not_read_again(roster, monkeypatch):
    members = sorted([await party_member(roster, seq) for seq in (11, 12, 13)])
    real = dues_reminders.remind_member_dues
    calls = 0

    async def crashing_on_the_second(*args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 2:
            raise ConnectionError("the database went away")
        return await real(*args, **kwargs)

    settings = DuesReminderSettings(batch_size=1)
    monkeypatch.setattr(dues_reminders, "remind_member_dues", crashing_on_the_second)
    with pytest.raises(ConnectionError):
        await run_dues_reminders_once(runtime_of(roster), now=ON_THE_DAY, settings=settings)
    assert await reminders(roster) == [(members[0], "2026-11")]
    place = await roster.pool.fetchrow("SELECT after_member, done_at FROM dues_reminder_passes")
    assert (str(place["after_member"]), place["done_at"]) == (members[0], None)

    monkeypatch.setattr(dues_reminders, "remind_member_dues", real)
    assert await run_dues_reminders_once(runtime_of(roster), now=ON_THE_DAY, settings=settings) == 2
    assert sorted(await reminders(roster)) == [(m, "2026-11") for m in members]
    assert await roster.pool.fetchval("SELECT done_at IS NOT NULL FROM dues_reminder_passes WHERE month = '2026-11'")

    # The month is done: later checks read no member (one who joins now is reminded from next month on).
    await party_member(roster, 14)
    assert await run_dues_reminders_once(runtime_of(roster), now=ON_THE_DAY, settings=settings) == 0
    assert len(await reminders(roster)) == 3
    december = datetime(2026, 12, 20, 1, 0, tzinfo=UTC)
    assert await run_dues_reminders_once(runtime_of(roster), now=december, settings=settings) == 4

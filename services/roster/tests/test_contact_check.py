"""The contact check (失联) and contacts that find members again, over real HTTP and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from kite_common.clock import utcnow
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import auth, running
from kite_roster.members.workers.contact_check import ContactCheckSettings, contact_check_worker, run_contact_check_once
from kite_roster.service import SERVICE
from kite_roster.shared.identity import check_digit

COUNTY = "522631"
REGISTRAR = auth(["registrar"], COUNTY)
LOST = "kite.roster.member-contact-lost.v1"
RESTORED = "kite.roster.member-contact-restored.v1"


def runtime_of(svc) -> ServiceRuntime:  # type: ignore[no-untyped-def]
    """The roster's runtime over the test service's pool (what a worker is handed)."""
    return ServiceRuntime(SERVICE, svc.pool, svc.kafka)


def id_number(seq: int) -> str:
    first17 = f"{COUNTY}19900101{seq:03d}"
    return first17 + check_digit(first17)


@pytest.fixture
async def roster(infra, prefix):
    async with running(infra, SERVICE, prefix, roles=("api",)) as svc:
        yield svc


async def register(http, seq: int) -> str:
    created = await http.post(
        "/members",
        json={
            "name": f"成员{seq}",
            "id_number": id_number(seq),
            "phone": f"138{seq:08d}",
            "origin_division_code": f"{COUNTY}101001",
            "current_city": "杭州",
        },
    )
    assert created.status_code == 201, created.text
    return str(created.json()["member_id"])


async def events_of(roster, type_: str) -> list[str]:
    rows = await roster.pool.fetch("SELECT stream_id FROM events WHERE type = $1 ORDER BY position", type_)
    return [r["stream_id"].removeprefix("member-") for r in rows]


async def test_quiet_members_are_marked_lost_once(roster, monkeypatch):
    monkeypatch.setenv("KITE_ROSTER_CONTACT_QUIET_DAYS", "180")
    now = utcnow()
    async with roster.client(headers=REGISTRAR) as http:
        never_reached = await register(http, 1)
        reached = await register(http, 2)
        # A contact from before the registration: the registration (a meeting too) is the later one.
        reached_before = await register(http, 3)
        gone = await register(http, 4)
        for mid, days_ago in ((reached, 0), (reached_before, 100)):
            when = (now - timedelta(days=days_ago)).isoformat()
            answer = await http.post(f"/members/{mid}/contacts", json={"channel": "phone", "contacted_at": when})
            assert answer.status_code == 201, answer.text
        await http.post(f"/members/{gone}/deregistration", json={"reason": "moved-away"})

    assert await run_contact_check_once(runtime_of(roster), now=now + timedelta(days=179)) == 0
    assert await run_contact_check_once(runtime_of(roster), now=now + timedelta(days=181)) == 3
    assert sorted(await events_of(roster, LOST)) == sorted([never_reached, reached, reached_before])
    # At most once: a lost member is not marked again.
    assert await run_contact_check_once(runtime_of(roster), now=now + timedelta(days=400)) == 0

    async with roster.client(headers=REGISTRAR) as http:
        lost = (await http.get(f"/members/{never_reached}")).json()
        assert lost["contact_status"] == "lost" and lost["contact_lost_at"] is not None
        assert (await http.get(f"/members/{gone}")).json()["contact_status"] == "in-contact"
        assert (await http.get("/members", params={"contact_status": "lost"})).json()["items"] != []
    data = await roster.pool.fetchval(
        "SELECT data FROM events WHERE type = $1 AND stream_id = $2", LOST, f"member-{reached_before}"
    )
    assert data["quiet_days"] == 180
    registered_at = await roster.pool.fetchval("SELECT registered_at FROM members WHERE member_id = $1", reached_before)
    assert data["last_contact_at"] == registered_at.isoformat().replace("+00:00", "Z")


async def test_a_contact_finds_a_lost_member_again_until_the_next_quiet_period(roster):
    now = utcnow()
    async with roster.client(headers=REGISTRAR) as http:
        mid = await register(http, 5)
        assert await run_contact_check_once(runtime_of(roster), now=now + timedelta(days=181)) == 1
        found = await http.post(f"/members/{mid}/contacts", json={"channel": "visit", "note": "在东莞找到本人"})
        assert found.status_code == 201, found.text
        assert found.json()["contact_status"] == "in-contact" and found.json()["contact_lost_at"] is None
        again = await http.post(f"/members/{mid}/contacts", json={"channel": "phone"})
        assert again.json()["contact_status"] == "in-contact"
    assert await events_of(roster, RESTORED) == [mid]
    assert await run_contact_check_once(runtime_of(roster), now=now + timedelta(days=100)) == 0
    assert await run_contact_check_once(runtime_of(roster), now=now + timedelta(days=200)) == 1
    types = await roster.pool.fetch("SELECT type FROM events ORDER BY position")
    assert [t["type"].split(".")[2] for t in types] == [
        "member-registered",
        "member-contact-lost",
        "member-contacted",
        "member-contact-restored",
        "member-contacted",
        "member-contact-lost",
    ]


async def test_two_replicas_checking_at_once_mark_each_member_once(roster):
    now = utcnow()
    async with roster.client(headers=REGISTRAR) as http:
        members = {await register(http, seq) for seq in range(10, 27)}
    settings = ContactCheckSettings(quiet_days=30, batch_size=4)
    results = await asyncio.gather(
        *(run_contact_check_once(runtime_of(roster), now=now + timedelta(days=31), settings=settings) for _ in range(3))
    )
    assert sum(r or 0 for r in results) == len(members)
    lost = await events_of(roster, LOST)
    assert sorted(lost) == sorted(members)
    assert await roster.pool.fetchval("SELECT count(*) FROM members WHERE contact_status = 'lost'") == len(members)
    assert await roster.pool.fetchval("SELECT count(*) FROM outbox") == await roster.pool.fetchval(
        "SELECT count(*) FROM events"
    )


async def test_the_quiet_period_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("KITE_ROSTER_CONTACT_QUIET_DAYS", "90")
    monkeypatch.setenv("KITE_ROSTER_CONTACT_CHECK_INTERVAL_S", "60")
    settings = ContactCheckSettings()
    assert (settings.quiet_days, settings.check_interval_s) == (90, 60)
    monkeypatch.setenv("KITE_ROSTER_CONTACT_QUIET_DAYS", "0")
    with pytest.raises(ValueError, match="quiet_days"):
        ContactCheckSettings()


async def test_the_worker_runs_in_the_consume_role_and_stops_when_asked(roster):
    assert contact_check_worker in SERVICE.workers
    stop = asyncio.Event()
    task = asyncio.create_task(contact_check_worker(runtime_of(roster), stop))
    await asyncio.sleep(0.2)
    stop.set()
    await asyncio.wait_for(task, 5)

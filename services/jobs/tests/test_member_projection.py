"""Jobs' own copy of roster members: what the consumer keeps, and what it leaves alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from kite_common.events import EventEnvelope
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.runtime import ServiceRuntime
from kite_jobs.consumers.member_projection import handle
from kite_jobs.service import SERVICE

MEMBER = uuid.UUID("01930000-0000-7000-8000-000000000001")


def roster_event(event_type: str, version: int = 1, **data: object) -> ReceivedEvent:
    body: dict[str, object] = {
        "member_id": str(MEMBER),
        "name": "张三",
        "gender": "male",
        "birth_year": 1990,
        "origin_division_code": "522631101001",
        "current_city": "杭州",
        "employer": None,
        "is_party_member": True,
        "skills": ["焊工", "电工"],
        "registered_by": "registrar",
        "a_field_added_later": "ignored",
    }
    body.update(data)
    envelope = EventEnvelope(
        id=uuid.uuid4(),
        source="/kite/roster",
        type=event_type,
        subject=f"member-{MEMBER}",
        time=datetime(2025, 1, 1, tzinfo=UTC),
        data=body,
        stream_version=version,
    )
    return ReceivedEvent(envelope, "roster.events", 0, 0)


async def test_registered_members_are_kept_and_other_events_are_ignored(jobs):
    async with jobs.pool.acquire() as conn:
        uow = ServiceRuntime(SERVICE, jobs.pool, jobs.kafka).joining(conn)
        await handle(uow, roster_event("kite.roster.member-left.v1"))
        assert await conn.fetchval("SELECT count(*) FROM members") == 0
        await handle(uow, roster_event("kite.roster.member-registered.v1"))
        row = await conn.fetchrow("SELECT * FROM members")
    assert (row["member_id"], row["current_city"], list(row["skills"])) == (MEMBER, "杭州", ["焊工", "电工"])
    assert row["origin_division_code"] == "522631101001"


async def test_an_older_event_never_overwrites_a_newer_one(jobs):
    async with jobs.pool.acquire() as conn:
        uow = ServiceRuntime(SERVICE, jobs.pool, jobs.kafka).joining(conn)
        await handle(uow, roster_event("kite.roster.member-registered.v1", 2, current_city="成都"))
        await handle(uow, roster_event("kite.roster.member-registered.v1", 1, current_city="杭州"))
        await handle(uow, roster_event("kite.roster.member-registered.v1", 2, current_city="成都"))
        rows = await conn.fetch("SELECT current_city, version FROM members")
    assert [(r["current_city"], r["version"]) for r in rows] == [("成都", 2)]


def member_event(event_type: str, version: int, **data: object) -> ReceivedEvent:
    """A later member event carrying exactly `data` (plus a field added later)."""
    envelope = EventEnvelope(
        id=uuid.uuid4(),
        source="/kite/roster",
        type=event_type,
        subject=f"member-{MEMBER}",
        time=datetime(2025, 2, 1, tzinfo=UTC),
        data={"member_id": str(MEMBER), "a_field_added_later": "ignored", **data},
        stream_version=version,
    )
    return ReceivedEvent(envelope, "roster.events", 0, 0)


async def test_edits_moves_and_deregistration_are_followed_in_order_and_never_undone_by_older_events(jobs):
    updated, relocated = "kite.roster.member-updated.v1", "kite.roster.member-relocated.v1"
    async with jobs.pool.acquire() as conn:
        uow = ServiceRuntime(SERVICE, jobs.pool, jobs.kafka).joining(conn)
        await handle(uow, roster_event("kite.roster.member-registered.v1", 1, employer="杭州某厂"))
        await handle(uow, member_event(updated, 2, changed=["languages"], languages=["苗语"], updated_by="r"))
        await handle(
            uow,
            member_event(
                updated, 3, changed=["skills", "name"], skills=[" 钳工 ", "电工", ""], name="张叁", updated_by="r"
            ),
        )
        await handle(
            uow,
            member_event(
                relocated,
                4,
                moved_on="2025-02-01",
                current_city="苏州",
                employer=None,
                previous_city="杭州",
                recorded_by="r",
            ),
        )
        await handle(uow, member_event(updated, 3, changed=["name"], name="张三", updated_by="r"))  # older
        row = await conn.fetchrow("SELECT * FROM members")
        assert (row["name"], list(row["skills"]), row["current_city"], row["employer"]) == (
            "张叁",
            ["电工", "钳工"],
            "苏州",
            None,
        )
        assert row["version"] == 4 and row["deregistered_at"] is None

        deregistered = member_event("kite.roster.member-deregistered.v1", 5, reason="deceased", deregistered_by="r")
        await handle(uow, deregistered)
        await handle(uow, roster_event("kite.roster.member-registered.v1", 1))  # redelivered
        row = await conn.fetchrow("SELECT * FROM members")
    assert row["deregistered_at"] == datetime(2025, 2, 1, tzinfo=UTC) and row["name"] == "张叁"

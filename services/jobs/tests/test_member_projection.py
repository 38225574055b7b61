"""Jobs' own copy of roster members: what the consumer keeps, and what it leaves alone."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from kite_common.events import EventEnvelope
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_jobs.adapters.member_projection import handle_roster_event

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
        await handle_roster_event(conn, roster_event("kite.roster.member-left.v1"))
        assert await conn.fetchval("SELECT count(*) FROM members") == 0
        await handle_roster_event(conn, roster_event("kite.roster.member-registered.v1"))
        row = await conn.fetchrow("SELECT * FROM members")
    assert (row["member_id"], row["current_city"], list(row["skills"])) == (MEMBER, "杭州", ["焊工", "电工"])
    assert row["origin_division_code"] == "522631101001"


async def test_an_older_event_never_overwrites_a_newer_one(jobs):
    async with jobs.pool.acquire() as conn:
        await handle_roster_event(conn, roster_event("kite.roster.member-registered.v1", 2, current_city="成都"))
        await handle_roster_event(conn, roster_event("kite.roster.member-registered.v1", 1, current_city="杭州"))
        await handle_roster_event(conn, roster_event("kite.roster.member-registered.v1", 2, current_city="成都"))
        rows = await conn.fetch("SELECT current_city, version FROM members")
    assert [(r["current_city"], r["version"]) for r in rows] == [("成都", 2)]

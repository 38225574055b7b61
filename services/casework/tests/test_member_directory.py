"""The member directory: casework's own copy of roster members, safe against redelivery and reordering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from kite_casework.adapters.member_directory import find_member, handle_roster_event
from kite_casework.service import SERVICE as CASEWORK
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.testing.stack import running


def roster_event(member_id, version=1, type_="kite.roster.member-registered.v1", **data_overrides):
    data = {
        "member_id": str(member_id),
        "name": "李帮勇",
        "gender": "male",
        "birth_year": 1990,
        "origin_division_code": "530625101001",
        "current_city": "杭州",
        "employer": None,
        "is_party_member": False,
        "skills": ["电工"],
        "registered_by": "registrar-1",
        "a_field_added_later": "ignored",
    }
    data.update(data_overrides)
    envelope = EventEnvelope(
        id=new_id(),
        source="/kite/roster",
        type=type_,
        subject=f"member-{member_id}",
        time=datetime(2024, 3, 1, tzinfo=UTC),
        data=data,
        stream_version=version,
    )
    return ReceivedEvent(envelope, "roster.events", 0, 0)


@pytest.fixture
async def casework(infra, prefix):
    async with running(infra, CASEWORK, prefix, roles=()) as svc:
        yield svc


async def test_redelivered_and_out_of_order_events_leave_the_newest_entry(casework):
    member_id = new_id()
    async with casework.pool.acquire() as conn:
        await handle_roster_event(conn, roster_event(member_id, version=2, current_city="成都"))
        await handle_roster_event(conn, roster_event(member_id, version=2, current_city="成都"))
        await handle_roster_event(conn, roster_event(member_id, version=1, current_city="杭州"))
        entry = await find_member(conn, member_id)
        row = await conn.fetchrow("SELECT current_city, roster_version FROM member_directory")
    assert entry is not None and entry.origin_division_code == "530625101001" and entry.name == "李帮勇"
    assert (row["current_city"], row["roster_version"]) == ("成都", 2)
    assert await casework.pool.fetchval("SELECT count(*) FROM member_directory") == 1


async def test_other_roster_events_are_ignored(casework):
    async with casework.pool.acquire() as conn:
        await handle_roster_event(conn, roster_event(new_id(), type_="kite.roster.dues-paid.v1"))
        await handle_roster_event(conn, roster_event(new_id(), type_="kite.roster.household-registered.v1"))
    assert await casework.pool.fetchval("SELECT count(*) FROM member_directory") == 0


async def test_a_member_event_with_a_bad_home_place_is_refused_not_stored(casework):
    async with casework.pool.acquire() as conn:
        with pytest.raises(ValueError):
            await handle_roster_event(conn, roster_event(new_id(), origin_division_code="5306"))
    assert await casework.pool.fetchval("SELECT count(*) FROM member_directory") == 0

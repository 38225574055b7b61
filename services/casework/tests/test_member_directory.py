"""The member directory: casework's own copy of roster members, safe against redelivery and reordering."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from kite_casework.adapters.member_directory import find_member
from kite_casework.consumers.member_directory import handle
from kite_casework.service import SERVICE as CASEWORK
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import ReceivedEvent
from kite_common.runtime import ServiceRuntime
from kite_common.testing.stack import RunningService, running
from kite_common.unit_of_work import UnitOfWork


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
    return member_event(member_id, type_, data, version)


def member_event(member_id, type_, data, version):
    """A roster event carrying exactly `data` (plus a field added later, to show it is ignored)."""
    envelope = EventEnvelope(
        id=new_id(),
        source="/kite/roster",
        type=type_,
        subject=f"member-{member_id}",
        time=datetime(2024, 3, 1, tzinfo=UTC),
        data={**data, "member_id": str(member_id), "a_field_added_later": "ignored"},
        stream_version=version,
    )
    return ReceivedEvent(envelope, "roster.events", 0, 0)


@pytest.fixture
async def casework(infra, prefix):
    async with running(infra, CASEWORK, prefix, roles=()) as svc:
        yield svc


def joined(casework: RunningService, conn) -> UnitOfWork:
    """The unit of work a consumer's handler gets: joined to the caller's (inbox) connection."""
    assert casework.pool is not None
    return ServiceRuntime(CASEWORK, casework.pool, casework.kafka).joining(conn)


async def test_redelivered_and_out_of_order_events_leave_the_newest_entry(casework):
    member_id = new_id()
    async with casework.pool.acquire() as conn:
        uow = joined(casework, conn)
        await handle(uow, roster_event(member_id, version=2, current_city="成都"))
        await handle(uow, roster_event(member_id, version=2, current_city="成都"))
        await handle(uow, roster_event(member_id, version=1, current_city="杭州"))
        entry = await find_member(conn, member_id)
        row = await conn.fetchrow("SELECT current_city, roster_version FROM member_directory")
    assert entry is not None and entry.origin_division_code == "530625101001" and entry.name == "李帮勇"
    assert (row["current_city"], row["roster_version"]) == ("成都", 2)
    assert await casework.pool.fetchval("SELECT count(*) FROM member_directory") == 1


async def test_other_roster_events_are_ignored(casework):
    async with casework.pool.acquire() as conn:
        uow = joined(casework, conn)
        await handle(uow, roster_event(new_id(), type_="kite.roster.dues-paid.v1"))
        await handle(uow, roster_event(new_id(), type_="kite.roster.household-registered.v1"))
    assert await casework.pool.fetchval("SELECT count(*) FROM member_directory") == 0


async def test_a_member_event_with_a_bad_home_place_is_refused_not_stored(casework):
    async with casework.pool.acquire() as conn:
        uow = joined(casework, conn)
        with pytest.raises(ValueError):
            await handle(uow, roster_event(new_id(), origin_division_code="5306"))
    assert await casework.pool.fetchval("SELECT count(*) FROM member_directory") == 0


UPDATED = "kite.roster.member-updated.v1"
RELOCATED = "kite.roster.member-relocated.v1"
DEREGISTERED = "kite.roster.member-deregistered.v1"


async def _entry(conn, member_id):
    return await conn.fetchrow(
        """SELECT name, skills, current_city, employer, deregistered_at, roster_version
           FROM member_directory WHERE member_id = $1""",
        member_id,
    )


async def test_edits_moves_and_deregistration_follow_the_member_and_an_older_event_changes_nothing(casework):
    member_id = new_id()
    async with casework.pool.acquire() as conn:
        uow = joined(casework, conn)
        await handle(uow, roster_event(member_id, version=1, employer="杭州某电子厂"))
        # Only the fields in `changed` count: a changed phone is nothing casework keeps.
        phone = {"changed": ["phone"], "phone_changed": True, "updated_by": "r1"}
        await handle(uow, member_event(member_id, UPDATED, phone, 2))
        rename = {"changed": ["name", "skills"], "name": "李邦勇", "skills": ["焊工"], "updated_by": "r1"}
        await handle(uow, member_event(member_id, UPDATED, rename, 3))
        move = {
            "moved_on": "2025-03-01",
            "current_city": "宁波",
            "employer": None,
            "previous_city": "杭州",
            "previous_employer": "杭州某电子厂",
            "recorded_by": "r1",
        }
        await handle(uow, member_event(member_id, RELOCATED, move, 4))
        row = await _entry(conn, member_id)
        assert (row["name"], list(row["skills"]), row["current_city"], row["employer"]) == (
            "李邦勇",
            ["焊工"],
            "宁波",
            None,
        )
        assert row["deregistered_at"] is None and row["roster_version"] == 4
        assert (await find_member(conn, member_id)).deregistered is False

        # a redelivered or older event changes nothing
        await handle(uow, member_event(member_id, RELOCATED, {**move, "current_city": "温州"}, 4))
        await handle(uow, roster_event(member_id, version=1, current_city="杭州"))
        assert (await _entry(conn, member_id))["current_city"] == "宁波"

        gone = {"reason": "returned-home", "note": "回乡创业", "deregistered_by": "r1"}
        await handle(uow, member_event(member_id, DEREGISTERED, gone, 5))
        await handle(uow, roster_event(member_id, version=1))  # never undoes it
        entry = await find_member(conn, member_id)
    assert entry is not None and entry.deregistered and entry.deregistered_label == "返乡"
    assert entry.name == "李邦勇" and entry.origin_division_code == "530625101001"


async def test_a_later_event_for_a_member_never_registered_leaves_the_directory_empty(casework):
    member_id = new_id()
    async with casework.pool.acquire() as conn:
        uow = joined(casework, conn)
        gone = {"reason": "deceased", "deregistered_by": "r1"}
        await handle(uow, member_event(member_id, DEREGISTERED, gone, 2))
        rename = {"changed": ["name"], "name": "李邦勇", "updated_by": "r1"}
        await handle(uow, member_event(member_id, UPDATED, rename, 3))
    assert await casework.pool.fetchval("SELECT count(*) FROM member_directory") == 0

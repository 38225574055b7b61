"""The member mirror: a batch of roster events leaves the mirror as the same events one by one do."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from kite_common.events import EventEnvelope
from kite_common.mirror import MemberMirror, MirrorTable
from kite_common.mirror.roster_members import (
    MEMBER_COLUMNS,
    MEMBER_DEREGISTERED,
    MEMBER_REGISTERED,
    MEMBER_RELOCATED,
    MEMBER_UPDATED,
)

T0 = datetime(2025, 3, 1, 8, 30, 15, 123456, tzinfo=UTC)
TABLE = """CREATE TABLE {name} (
    member_id uuid PRIMARY KEY, roster_version int NOT NULL, name text NOT NULL, gender text, birth_year int,
    origin_division_code text, current_city text, employer text, is_party_member boolean, skills text[],
    registered_by text, registered_at timestamptz, deregistered_at timestamptz, deregistered_reason text,
    note text NOT NULL DEFAULT '未核实')"""


def _event(kind: str, member: uuid.UUID, version: int, **data: object) -> EventEnvelope:
    return EventEnvelope(
        id=uuid.uuid4(),
        source="/kite/roster",
        type=kind,
        subject=f"member-{member}",
        time=T0 + timedelta(minutes=version),
        data={"member_id": str(member), **data},
        stream_version=version,
    )


def _registered(member: uuid.UUID, name: str, version: int = 1, **extra: object) -> EventEnvelope:
    data: dict[str, object] = {
        "name": name,
        "gender": "female",
        "birth_year": 1991,
        "origin_division_code": "522631101001",
        "current_city": " 杭州 ",
        "employer": None,
        "is_party_member": False,
        "skills": ["电工", '焊\\工 "甲"'],
        "registered_by": "registrar",
    }
    return _event(MEMBER_REGISTERED, member, version, **(data | extra))


def _mirror(name: str) -> MemberMirror:
    return MemberMirror(
        MirrorTable(name, "member_id", "roster_version", MEMBER_COLUMNS, transforms={"current_city": str.strip})
    )


async def test_a_batch_of_member_events_equals_the_events_one_by_one(runtime):
    a, b, c, d = (uuid.uuid4() for _ in range(4))
    events = [
        _registered(a, "张三"),
        _registered(b, "李四", is_party_member=True, employer="宁波某厂"),
        _event(MEMBER_UPDATED, a, 2, changed=["name"], name="张三丰"),
        _event(MEMBER_RELOCATED, b, 2, current_city=" 苏州 ", employer=None),
        _registered(c, "王五"),
        _event(MEMBER_DEREGISTERED, c, 2, reason="returned-home"),
        _event(MEMBER_UPDATED, d, 3, changed=["name"], name="没登记过"),  # unknown member: stays unknown
        _event("kite.roster.household-created.v1", a, 3),  # says nothing of a member
        _event(MEMBER_UPDATED, a, 1, changed=["name"], name="旧的"),  # older than the row: not applied
        _registered(b, "重投的旧登记"),  # a registration older than the row changes nothing
    ]
    async with runtime.pool.acquire() as conn:
        for name in ("one_by_one", "batched"):
            await conn.execute(TABLE.format(name=name))
        singles = _mirror("one_by_one")
        for e in events:
            await singles.apply(conn, e)
        changes = await _mirror("batched").apply_many(conn, events)
        columns = """member_id, roster_version, name, gender, birth_year, origin_division_code, current_city,
            employer, is_party_member, skills, registered_by, registered_at, deregistered_at, deregistered_reason,
            note"""
        expected = [dict(r) for r in await conn.fetch(f"SELECT {columns} FROM one_by_one ORDER BY name")]
        got = [dict(r) for r in await conn.fetch(f"SELECT {columns} FROM batched ORDER BY name")]
    assert got == expected
    assert {r["name"]: r["roster_version"] for r in got} == {"张三丰": 2, "李四": 2, "王五": 2}
    assert next(r for r in got if r["name"] == "张三丰")["registered_at"] == T0 + timedelta(minutes=1)
    assert next(r for r in got if r["name"] == "李四")["current_city"] == "苏州"
    assert [ch is not None for ch in changes] == [True] * 7 + [False, True, True]

"""The PostgreSQL event store on a real server: concurrency, the gap-safe global read, rebuilds."""

from __future__ import annotations

import asyncio

import pytest
from kite_common.eventstore import ConcurrencyConflict, PostgresEventStore
from kite_common.eventstore.postgres import START, GlobalPosition
from kite_common.rebuild import rebuild_projections
from kite_common.testing.sample import SAMPLE, ItemAdded


async def test_append_then_read_stream_in_order(runtime):
    async with runtime.unit_of_work() as uow:
        await uow.append("item-a", 0, [ItemAdded(item="a", quantity=1), ItemAdded(item="a", quantity=2)])
    async with runtime.unit_of_work() as uow:
        loaded = await uow.load("item-a")
    assert loaded.version == 2
    assert [e.quantity for e in loaded.events] == [1, 2]
    assert await runtime.pool.fetchval("SELECT quantity FROM sample_totals WHERE item = 'a'") == 3
    assert await runtime.pool.fetchval("SELECT count(*) FROM outbox") == 2


async def test_two_writers_to_one_stream_one_conflict_no_lost_event(runtime):
    async with runtime.unit_of_work() as uow:
        await uow.append("item-b", 0, [ItemAdded(item="b", quantity=1)])
    both_loaded = asyncio.Barrier(2)

    async def writer(qty: int) -> str:
        try:
            async with runtime.unit_of_work() as uow:
                loaded = await uow.load("item-b")
                await both_loaded.wait()
                await uow.append("item-b", loaded.version, [ItemAdded(item="b", quantity=qty)])
            return "ok"
        except ConcurrencyConflict:
            return "conflict"

    results = await asyncio.gather(writer(10), writer(20))
    assert sorted(results) == ["conflict", "ok"]
    rows = await runtime.pool.fetch("SELECT stream_version, data FROM events WHERE stream_id='item-b' ORDER BY 1")
    assert [r["stream_version"] for r in rows] == [1, 2]
    total = await runtime.pool.fetchval("SELECT quantity FROM sample_totals WHERE item = 'b'")
    assert total == 1 + rows[1]["data"]["quantity"]  # the read model matches the winner, nothing half-written
    assert await runtime.pool.fetchval("SELECT count(*) FROM outbox") == 2


async def test_global_read_never_skips_a_transaction_that_commits_late(runtime):
    store = PostgresEventStore(SAMPLE.registry.source)
    late = await runtime.pool.acquire()
    tx = late.transaction()
    await tx.start()
    await store.append(late, "late", 0, [_env("late", 1)])  # takes a lower position, commits last

    async with runtime.unit_of_work() as uow:
        await uow.append("early", 0, [ItemAdded(item="early", quantity=1)])

    async with runtime.pool.acquire() as reader:
        first = await store.read_all_after(reader, START)
        assert [s.envelope.subject for s in first] == []  # "early" waits behind the open transaction
        await tx.commit()
        await runtime.pool.release(late)
        seen = await store.read_all_after(reader, START)
    assert sorted(s.envelope.subject for s in seen) == ["early", "late"]
    positions = [s.global_position for s in seen]
    assert positions == sorted(positions)


async def test_rebuilt_projection_equals_the_live_one(runtime):
    for i in range(30):
        async with runtime.unit_of_work() as uow:
            stream = f"item-{i % 4}"
            loaded = await uow.load(stream)
            await uow.append(stream, loaded.version, [ItemAdded(item=str(i % 4), quantity=i)])
    live = await runtime.pool.fetch("SELECT * FROM sample_totals ORDER BY item")
    async with runtime.pool.acquire() as conn:
        await conn.execute("UPDATE sample_totals SET quantity = -1")  # drift that a rebuild must erase
        replayed = await rebuild_projections(conn, SAMPLE, batch=7)
    assert replayed == 30
    assert await runtime.pool.fetch("SELECT * FROM sample_totals ORDER BY item") == live


def _env(stream: str, version: int):
    from kite_common.clock import utcnow
    from kite_common.events import EventEnvelope
    from kite_common.ids import new_id

    return EventEnvelope(
        id=new_id(),
        source="/kite/sample",
        type="kite.sample.item-added.v1",
        subject=stream,
        time=utcnow(),
        data={"item": stream, "quantity": 1},
        stream_version=version,
    )


async def test_an_append_expecting_more_than_the_stream_holds_writes_nothing(runtime):
    async with runtime.unit_of_work() as uow:
        await uow.append("item-c", 0, [ItemAdded(item="c", quantity=1)])
    with pytest.raises(ConcurrencyConflict):
        async with runtime.unit_of_work() as uow:
            await uow.append("item-c", 3, [ItemAdded(item="c", quantity=5)])  # would leave a gap at 2 and 3
    with pytest.raises(ConcurrencyConflict):
        async with runtime.unit_of_work() as uow:
            await uow.append("no-such-stream", 1, [ItemAdded(item="d", quantity=5)])
    versions = await runtime.pool.fetch("SELECT stream_id, stream_version FROM events ORDER BY position")
    assert [tuple(r) for r in versions] == [("item-c", 1)]
    assert await runtime.pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_a_longer_append_that_lost_the_race_writes_none_of_its_events(runtime):
    async with runtime.unit_of_work() as uow:
        await uow.append("item-e", 0, [ItemAdded(item="e", quantity=1)])
    async with runtime.unit_of_work() as uow:
        await uow.append("item-e", 1, [ItemAdded(item="e", quantity=2)])  # the winner: version 2
    with pytest.raises(ConcurrencyConflict):
        async with runtime.unit_of_work() as uow:  # loaded at 1, appends 2, 3 and 4
            await uow.append("item-e", 1, [ItemAdded(item="e", quantity=q) for q in (10, 20, 30)])
    rows = await runtime.pool.fetch("SELECT stream_version, data FROM events WHERE stream_id = 'item-e' ORDER BY 1")
    assert [(r["stream_version"], r["data"]["quantity"]) for r in rows] == [(1, 1), (2, 2)]
    assert await runtime.pool.fetchval("SELECT quantity FROM sample_totals WHERE item = 'e'") == 3


@pytest.mark.parametrize("text", ["１２:3", "12:٣", "12", "a:1", "-1:2", ""])
def test_a_position_is_ascii_digits_tx_colon_position_and_nothing_else(text):
    with pytest.raises(ValueError):
        GlobalPosition.parse(text)
    assert GlobalPosition.parse("9481:120") == GlobalPosition(9481, 120)

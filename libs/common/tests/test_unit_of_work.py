"""Aggregates through the unit of work on a real PostgreSQL: get, save, retried commands, joined
transactions."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from kite_common.commands import command
from kite_common.db.statements import Write, run_writes
from kite_common.domain import RuleViolation
from kite_common.eventstore import ConcurrencyConflict
from kite_common.testing.sample import Basket
from kite_common.unit_of_work import UnitOfWork


async def _stored(runtime, basket_id):
    async with runtime.unit_of_work() as uow:
        return await uow.get(Basket, basket_id)


async def test_get_of_an_unknown_stream_is_an_empty_aggregate_and_save_stores_what_it_recorded(runtime):
    basket_id = uuid.uuid4()
    async with runtime.unit_of_work() as uow:
        basket = await uow.get(Basket, basket_id)
        assert (basket.version, basket.quantity) == (0, 0)
        basket.add(2)
        basket.add(3)
        written = await uow.save(basket)
    assert [e.stream_version for e in written] == [1, 2]
    again = await _stored(runtime, basket_id)
    assert (again.version, again.quantity) == (2, 5)
    # inline projection and outbox in the same transaction
    assert await runtime.pool.fetchval("SELECT quantity FROM sample_totals WHERE item = 'x'") == 5
    assert await runtime.pool.fetchval("SELECT count(*) FROM outbox") == 2


async def test_saving_nothing_writes_nothing(runtime):
    async with runtime.unit_of_work() as uow:
        assert await uow.save(await uow.get(Basket, uuid.uuid4())) == []
    assert await runtime.pool.fetchval("SELECT count(*) FROM events") == 0


async def test_a_save_on_a_stale_load_is_a_conflict_and_rolls_back_everything(runtime):
    basket_id = uuid.uuid4()
    async with runtime.unit_of_work() as uow:
        first = await uow.get(Basket, basket_id)
        first.add(1)
        await uow.save(first)
    stale = Basket.replay(basket_id, [])  # loaded before the write above
    stale.add(4)
    with pytest.raises(ConcurrencyConflict):
        async with runtime.unit_of_work() as uow:
            await uow.conn.execute("INSERT INTO sample_effects (event_id, item) VALUES ('side', 'effect')")
            await uow.save(stale)
    assert (await _stored(runtime, basket_id)).quantity == 1
    assert await runtime.pool.fetchval("SELECT count(*) FROM sample_effects") == 0


@command
async def add_to_basket(
    uow: UnitOfWork,
    basket_id: uuid.UUID,
    quantity: int,
    loaded: asyncio.Event | None = None,
    go: asyncio.Event | None = None,
) -> int:
    async with uow:
        basket = await uow.get(Basket, basket_id)
        if loaded is not None and go is not None and not loaded.is_set():
            loaded.set()
            await go.wait()  # another writer commits while this attempt holds a stale load
        basket.add(quantity)
        await uow.save(basket)
        return basket.version


async def test_a_command_that_loses_a_race_is_decided_again_on_the_fresh_stream(runtime):
    basket_id = uuid.uuid4()
    loaded, go = asyncio.Event(), asyncio.Event()
    slow = asyncio.create_task(add_to_basket(runtime.unit_of_work(), basket_id, 2, loaded, go))
    await loaded.wait()
    assert await add_to_basket(runtime.unit_of_work(), basket_id, 3) == 1
    go.set()
    assert await slow == 2  # its second attempt saw the other write and appended after it
    stored = await _stored(runtime, basket_id)
    assert (stored.version, stored.quantity) == (2, 5)


async def test_a_retried_command_still_refuses_what_the_fresh_stream_forbids(runtime):
    basket_id = uuid.uuid4()
    loaded, go = asyncio.Event(), asyncio.Event()
    slow = asyncio.create_task(add_to_basket(runtime.unit_of_work(), basket_id, 6, loaded, go))
    await loaded.wait()
    await add_to_basket(runtime.unit_of_work(), basket_id, 6)
    go.set()
    with pytest.raises(RuleViolation):
        await slow
    assert (await _stored(runtime, basket_id)).quantity == 6


async def test_a_joined_unit_of_work_commits_with_the_outer_transaction_and_undoes_only_itself(runtime):
    kept, undone = uuid.uuid4(), uuid.uuid4()
    async with runtime.pool.acquire() as conn:
        outer = conn.transaction()
        await outer.start()
        await add_to_basket(runtime.joining(conn), kept, 1)
        with pytest.raises(RuntimeError):
            uow = runtime.joining(conn)
            async with uow:
                basket = await uow.get(Basket, undone)
                basket.add(1)
                await uow.save(basket)
                raise RuntimeError("the handler failed after its write")
        # nothing is visible outside until the outer transaction commits
        assert (await _stored(runtime, kept)).version == 0
        await outer.commit()
    assert (await _stored(runtime, kept)).quantity == 1
    assert (await _stored(runtime, undone)).version == 0


def _effect(item: str, counted: bool = False) -> Write:
    returning = " RETURNING 1" if counted else ""
    return Write(f"INSERT INTO sample_effects (event_id, item) VALUES ($1, $2){returning}", ("w", item), counted)


async def test_a_write_added_to_the_unit_of_work_goes_with_the_append_and_is_counted(runtime):
    statements: list[str] = []

    def log(record: object) -> None:
        statements.append(record.query)  # type: ignore[attr-defined]

    async with runtime.unit_of_work() as uow:
        uow.conn.add_query_logger(log)
        added = uow.add_write(_effect("added", counted=True))
        basket = await uow.get(Basket, uuid.uuid4())
        basket.add(2)
        await uow.save(basket)
        assert added.rows == 1
        uow.conn.remove_query_logger(log)
    # the event, its outbox row and the added write were one statement (the sample projection, which
    # cannot say its writes as statements, is applied after it)
    combined = [s for s in statements if "INSERT INTO sample_effects" in s]
    assert len(combined) == 1 and "INSERT INTO events" in combined[0] and "INSERT INTO outbox" in combined[0]
    assert await runtime.pool.fetchval("SELECT count(*) FROM sample_effects WHERE item = 'added'") == 1
    assert await runtime.pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_a_write_with_no_append_after_it_runs_at_commit_and_one_that_writes_nothing_counts_zero(runtime):
    async with runtime.unit_of_work() as uow:
        alone = uow.add_write(_effect("alone", counted=True))
        with pytest.raises(RuntimeError):
            _ = alone.rows  # not sent yet
    assert alone.rows == 1
    async with runtime.unit_of_work() as uow:
        nothing = uow.add_write(Write("DELETE FROM sample_effects WHERE item = 'nobody' RETURNING 1", counted=True))
    assert nothing.rows == 0
    assert await runtime.pool.fetchval("SELECT count(*) FROM sample_effects") == 1


async def test_a_conflicting_append_takes_the_added_write_back_with_it(runtime):
    basket_id = uuid.uuid4()
    await add_to_basket(runtime.unit_of_work(), basket_id, 1)
    stale = Basket.replay(basket_id, [])
    stale.add(4)
    with pytest.raises(ConcurrencyConflict):
        async with runtime.unit_of_work() as uow:
            uow.add_write(_effect("lost"))
            await uow.save(stale)
    assert await runtime.pool.fetchval("SELECT count(*) FROM sample_effects") == 0
    assert await runtime.pool.fetchval("SELECT count(*) FROM outbox") == 1


async def test_writes_run_as_one_statement_with_their_arguments_numbered_on(runtime):
    async with runtime.pool.acquire() as conn:
        counts = await run_writes(
            conn,
            [
                _effect("a", counted=True),
                Write(
                    "WITH r(item) AS (SELECT * FROM unnest($1::text[])) "
                    "INSERT INTO sample_effects (event_id, item) SELECT $2, item FROM r RETURNING 1",
                    (["b", "c"], "w2"),
                    counted=True,
                ),
                _effect("d"),
            ],
        )
    assert counts == [1, 2, None]
    rows = await runtime.pool.fetch("SELECT event_id, item FROM sample_effects ORDER BY item")
    assert [(r["event_id"], r["item"]) for r in rows] == [("w", "a"), ("w2", "b"), ("w2", "c"), ("w", "d")]

"""Aggregates through the unit of work on a real PostgreSQL: get, save, retried commands, joined
transactions."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from kite_common.commands import command
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

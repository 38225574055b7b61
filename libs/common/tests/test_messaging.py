"""Outbox relay and consumer runner against a real Kafka-protocol broker and PostgreSQL."""

from __future__ import annotations

import asyncio
import dataclasses
import json

import asyncpg
import pytest
from cloudevents.v1.kafka import KafkaMessage, from_binary
from kite_common.db.pool import create_pool
from kite_common.localstack.infra import free_port, start_tansu
from kite_common.messaging.cloudevents_kafka import encode, topic_for
from kite_common.messaging.consumer import ConsumerRunner
from kite_common.messaging.producer import create_producer
from kite_common.outbox.relay import OutboxRelay
from kite_common.runtime import ServiceRuntime
from kite_common.settings import ConsumerSettings, DatabaseSettings, KafkaSettings, RelaySettings
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.sample import SAMPLE, ItemAdded
from kite_common.testing.stack import eventually, running
from kite_common.testing.tcp_proxy import TcpProxy

FAST_RELAY = RelaySettings(poll_interval_s=0.2, lock_retry_s=0.2)


@pytest.fixture
async def db(infra):
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(database_pool_max=6), dsn=dsn)
    yield dsn, pool
    await pool.close()
    await infra.drop(dsn)


async def _add(runtime: ServiceRuntime, stream: str, *quantities: int, item: str | None = None) -> None:
    async with runtime.unit_of_work() as uow:
        loaded = await uow.load(stream)
        await uow.append(stream, loaded.version, [ItemAdded(item=item or stream, quantity=q) for q in quantities])


async def test_relay_publishes_cloudevents_in_stream_order(infra, prefix, db):
    dsn, pool = db
    kafka = infra.kafka(prefix)
    runtime = ServiceRuntime(SAMPLE, pool, kafka)
    for i in range(5):
        await _add(runtime, "s-1", i, 100 + i)
        await _add(runtime, "s-2", i)
    stop = asyncio.Event()
    relay = OutboxRelay(dsn, kafka, FAST_RELAY)
    task = asyncio.create_task(relay.run(stop))
    try:
        messages = await read_messages(infra.bootstrap, topic_for("sample", prefix), 15)
        await eventually(lambda: _outbox_empty(pool))
    finally:
        stop.set()
        await task
    assert len(messages) == 15
    events = [from_binary(KafkaMessage(m.headers, m.key, m.value), data_unmarshaller=json.loads) for m in messages]
    assert all(e["source"] == "/kite/sample" and e["type"] == "kite.sample.item-added.v1" for e in events)
    s1 = [e.data["quantity"] for e in events if e["subject"] == "s-1"]
    assert s1 == [0, 100, 1, 101, 2, 102, 3, 103, 4, 104]
    assert {m.key for m in messages} == {b"s-1", b"s-2"}


async def _outbox_empty(pool) -> bool:
    return await pool.fetchval("SELECT count(*) FROM outbox") == 0


async def test_only_one_relay_publishes_and_a_standby_takes_over(infra, prefix, db):
    dsn, pool = db
    kafka = infra.kafka(prefix)
    runtime = ServiceRuntime(SAMPLE, pool, kafka)
    stop_a, stop_b = asyncio.Event(), asyncio.Event()
    a, b = OutboxRelay(dsn, kafka, FAST_RELAY), OutboxRelay(dsn, kafka, FAST_RELAY)
    task_a = asyncio.create_task(a.run(stop_a))
    await eventually(lambda: _is(a.is_leader))
    task_b = asyncio.create_task(b.run(stop_b))
    await _add(runtime, "x", 1)
    await eventually(lambda: _outbox_empty(pool))
    assert (a.published, b.published, b.is_leader) == (1, 0, False)
    stop_a.set()
    await task_a
    await eventually(lambda: _is(b.is_leader))
    await _add(runtime, "x", 2)
    await eventually(lambda: _outbox_empty(pool))
    stop_b.set()
    await task_b
    assert b.published == 1
    messages = await read_messages(infra.bootstrap, topic_for("sample", prefix), 2)
    assert [json.loads(m.value)["quantity"] for m in messages] == [1, 2]


async def _is(value: bool) -> bool:
    return value


async def test_relay_survives_a_broker_outage_without_losing_rows(infra, prefix, db):
    dsn, pool = db
    proxy_port = free_port()
    broker = start_tansu(advertised_port=proxy_port)  # clients reach it only through the proxy
    proxy = TcpProxy(proxy_port, "127.0.0.1", int(broker.process.args[3].rsplit(":", 1)[1]))
    await proxy.start()
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap, topic_prefix=prefix)
    runtime = ServiceRuntime(SAMPLE, pool, kafka)
    stop = asyncio.Event()
    relay = OutboxRelay(dsn, kafka, FAST_RELAY)
    task = asyncio.create_task(relay.run(stop))
    try:
        await _add(runtime, "r", 1)
        await eventually(lambda: _outbox_empty(pool))
        await proxy.cut()
        await _add(runtime, "r", 2, 3)  # written while the broker is unreachable
        await asyncio.sleep(1.5)
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 2
        await proxy.start()
        await eventually(lambda: _outbox_empty(pool), timeout=60)
        messages = await read_messages(broker.bootstrap, topic_for("sample", prefix), 3)
        assert [json.loads(m.value)["quantity"] for m in messages] == [1, 2, 3]
    finally:
        stop.set()
        await task
        await proxy.cut()
        broker.stop()


async def _produce(kafka: KafkaSettings, topic: str, *raw: tuple[bytes, bytes, list[tuple[str, bytes]]]) -> None:
    producer = await create_producer(kafka)
    try:
        for key, value, headers in raw:
            await producer.send_and_wait(topic, value=value, key=key, headers=headers)
    finally:
        await producer.stop()


def _sample_event(runtime_item: str, version: int = 1):
    from kite_common.clock import utcnow
    from kite_common.events import EventEnvelope
    from kite_common.ids import new_id

    return EventEnvelope(
        id=new_id(),
        source="/kite/sample",
        type="kite.sample.item-added.v1",
        subject=runtime_item,
        time=utcnow(),
        data={"item": runtime_item, "quantity": 1},
        stream_version=version,
    )


async def test_redelivered_event_has_one_effect(infra, prefix):
    async with running(infra, SAMPLE, prefix, roles=("consume",)) as svc:
        event = _sample_event("dup")
        await _produce(svc.kafka, topic_for("sample", prefix), encode(event), encode(event), encode(_sample_event("z")))
        await eventually(lambda: _effects(svc.pool, 2))
        await asyncio.sleep(0.5)
        rows = await svc.pool.fetch("SELECT item FROM sample_effects ORDER BY id")
    assert sorted(r["item"] for r in rows) == ["dup", "z"]


async def _effects(pool, n: int) -> bool:
    return await pool.fetchval("SELECT count(*) FROM sample_effects") >= n


class _CrashBeforeOffsetCommit(ConsumerRunner):
    async def commit_offsets(self, consumer) -> None:  # the process dies after the DB commit
        raise SystemExit("crash")


async def test_consumer_crash_between_db_commit_and_offset_commit_has_no_duplicate_effect(infra, prefix, db):
    _dsn, pool = db
    kafka = infra.kafka(prefix)
    spec = SAMPLE.consumers[0]
    await _produce(kafka, topic_for("sample", prefix), encode(_sample_event("once")))
    crashing = _CrashBeforeOffsetCommit(ServiceRuntime(SAMPLE, pool, kafka), spec)
    with pytest.raises(SystemExit):
        await crashing.run(asyncio.Event())
    assert await pool.fetchval("SELECT count(*) FROM sample_effects") == 1
    await _produce(kafka, topic_for("sample", prefix), encode(_sample_event("after")))
    restarted = ConsumerRunner(ServiceRuntime(SAMPLE, pool, kafka), spec)
    stop = asyncio.Event()
    task = asyncio.create_task(restarted.run(stop))
    await eventually(lambda: _effects(pool, 2))
    await asyncio.sleep(0.5)
    stop.set()
    await task
    assert [r["item"] for r in await pool.fetch("SELECT item FROM sample_effects ORDER BY id")] == ["once", "after"]


async def test_poison_message_goes_to_dlq_and_the_next_is_handled(infra, prefix, db):
    _dsn, pool = db
    kafka = infra.kafka(prefix)
    topic = topic_for("sample", prefix)
    await _produce(kafka, topic, encode(_sample_event("poison")), (b"k", b"{not json", []), encode(_sample_event("ok")))
    runner = ConsumerRunner(
        ServiceRuntime(SAMPLE, pool, kafka), SAMPLE.consumers[0], ConsumerSettings(max_attempts=2, retry_backoff_s=0.01)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await eventually(lambda: _effects(pool, 1))
        dead = await read_messages(infra.bootstrap, topic + ".dlq", 2)
    finally:
        stop.set()
        await task
    assert [r["item"] for r in await pool.fetch("SELECT item FROM sample_effects")] == ["ok"]
    # The two keys may sit on different partitions of the DLQ topic: their order there is not defined.
    by_key = {m.key: m for m in dead}
    poisoned, malformed = by_key[b"poison"], by_key[b"k"]
    assert (poisoned.headers["kite_error_type"], malformed.headers["kite_error_type"]) == (
        b"PoisonError",
        b"MalformedMessage",
    )
    assert poisoned.headers["kite_attempts"] == b"2"
    assert poisoned.headers["kite_original_topic"] == topic.encode()
    assert "cannot be handled" in poisoned.headers["kite_error"].decode()
    # a poisoned event leaves no inbox row, so a fixed handler could still take it from the DLQ
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 1


async def test_a_failing_record_in_a_batch_keeps_the_order_of_one_stream(infra, prefix, db):
    _dsn, pool = db
    kafka = infra.kafka(prefix)
    topic = topic_for("sample", prefix)
    items = ["a", "b", "poison", "c", "d"]
    events = [dataclasses.replace(_sample_event(i), subject="one-stream") for i in items]
    await _produce(kafka, topic, *(encode(e) for e in events))
    runner = ConsumerRunner(
        ServiceRuntime(SAMPLE, pool, kafka), SAMPLE.consumers[0], ConsumerSettings(max_attempts=2, retry_backoff_s=0.01)
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    try:
        await eventually(lambda: _effects(pool, 4))
    finally:
        stop.set()
        await task
    assert [r["item"] for r in await pool.fetch("SELECT item FROM sample_effects ORDER BY id")] == ["a", "b", "c", "d"]
    assert (runner.handled, runner.dead_lettered) == (4, 1)


async def test_a_lock_held_past_the_retry_budget_delays_a_good_event_but_never_dead_letters_it(infra, prefix, db):
    dsn, pool = db
    kafka = infra.kafka(prefix)
    await _produce(kafka, topic_for("sample", prefix), encode(_sample_event("late")))
    # The consumer's connections give up on a lock after 50 ms, as a production lock_timeout would.
    impatient = await asyncpg.create_pool(dsn, min_size=1, max_size=2, server_settings={"lock_timeout": "50ms"})
    settings = ConsumerSettings(max_attempts=2, retry_backoff_s=0.02, transient_backoff_max_s=0.1)
    runner = ConsumerRunner(ServiceRuntime(SAMPLE, impatient, kafka), SAMPLE.consumers[0], settings)
    stop = asyncio.Event()
    async with pool.acquire() as holder:
        held = holder.transaction()
        await held.start()
        await holder.execute("LOCK TABLE sample_effects IN ACCESS EXCLUSIVE MODE")
        task = asyncio.create_task(runner.run(stop))

        async def retried_well_past_the_budget() -> bool:
            return runner.transient_retries >= 4 * settings.max_attempts

        await eventually(retried_well_past_the_budget)
        await held.rollback()
    try:
        await eventually(lambda: _effects(pool, 1))
    finally:
        stop.set()
        await task
        await impatient.close()
    assert [r["item"] for r in await pool.fetch("SELECT item FROM sample_effects")] == ["late"]
    assert (runner.handled, runner.dead_lettered) == (1, 0)
    assert await pool.fetchval("SELECT count(*) FROM inbox") == 1


async def test_a_runner_asked_to_stop_while_waiting_out_a_failure_stops_and_leaves_the_event_unhandled(
    infra, prefix, db
):
    dsn, pool = db
    kafka = infra.kafka(prefix)
    await _produce(kafka, topic_for("sample", prefix), encode(_sample_event("later")))
    impatient = await asyncpg.create_pool(dsn, min_size=1, max_size=2, server_settings={"lock_timeout": "50ms"})
    runner = ConsumerRunner(
        ServiceRuntime(SAMPLE, impatient, kafka), SAMPLE.consumers[0], ConsumerSettings(retry_backoff_s=0.02)
    )
    stop = asyncio.Event()
    async with pool.acquire() as holder, holder.transaction():
        await holder.execute("LOCK TABLE sample_effects IN ACCESS EXCLUSIVE MODE")
        task = asyncio.create_task(runner.run(stop))

        async def retrying() -> bool:
            return runner.transient_retries >= 1

        await eventually(retrying)
        stop.set()
        await asyncio.wait_for(task, 10)
    await impatient.close()
    assert (runner.handled, runner.dead_lettered) == (0, 0)
    # the offset was not committed: a new runner of the group takes the event and handles it once
    again = ConsumerRunner(ServiceRuntime(SAMPLE, pool, kafka), SAMPLE.consumers[0])
    stop_again = asyncio.Event()
    task = asyncio.create_task(again.run(stop_again))
    try:
        await eventually(lambda: _effects(pool, 1))
    finally:
        stop_again.set()
        await task
    assert [r["item"] for r in await pool.fetch("SELECT item FROM sample_effects")] == ["later"]

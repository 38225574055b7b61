"""Republishing from the event store after the broker lost what it had: a real Tansu process is
killed and a new, empty one started on the same port."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from datetime import timedelta

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.structs import OffsetAndMetadata
from kite_common.clock import utcnow
from kite_common.db.pool import create_pool
from kite_common.eventstore.postgres import START
from kite_common.localstack.infra import free_port, start_tansu
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.messaging.consumer import ConsumerRunner
from kite_common.messaging.group_offsets import committed, reset_groups_to_start
from kite_common.outbox.relay import OutboxRelay
from kite_common.outbox.republish import (
    position_before,
    published_position,
    request_republish,
    wait_until_done,
)
from kite_common.runtime import ServiceRuntime
from kite_common.settings import DatabaseSettings, KafkaSettings, RelaySettings
from kite_common.testing.kafka_reader import read_messages
from kite_common.testing.sample import SAMPLE, ItemAdded
from kite_common.testing.stack import eventually, running

FAST_RELAY = RelaySettings(poll_interval_s=0.2, lock_retry_s=0.2, batch_size=4)


async def _add(runtime: ServiceRuntime, stream: str, quantity: int) -> None:
    async with runtime.unit_of_work() as uow:
        loaded = await uow.load(stream)
        await uow.append(stream, loaded.version, [ItemAdded(item=stream, quantity=quantity)])


async def _effects(pool) -> list[tuple[str, int]]:
    rows = await pool.fetch("SELECT event_id, count(*) AS n FROM sample_effects GROUP BY event_id")
    return [(r["event_id"], r["n"]) for r in rows]


async def _outbox_empty(pool) -> bool:
    return await pool.fetchval("SELECT count(*) FROM outbox") == 0


def _consume(runtime: ServiceRuntime) -> tuple[asyncio.Event, asyncio.Task[None]]:
    stop = asyncio.Event()
    return stop, asyncio.create_task(ConsumerRunner(runtime, SAMPLE.consumers[0]).run(stop))


async def test_after_a_broker_restart_republishing_from_the_store_gives_each_effect_exactly_once(infra, prefix):
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(database_pool_max=6), dsn=dsn)
    port = free_port()
    broker = start_tansu(port)
    kafka = KafkaSettings(bootstrap_servers=broker.bootstrap, topic_prefix=prefix)
    runtime = ServiceRuntime(SAMPLE, pool, kafka)
    relay_stop = asyncio.Event()
    relay = asyncio.create_task(OutboxRelay(dsn, kafka, FAST_RELAY).run(relay_stop))
    consumer_stop, consumer = _consume(runtime)
    try:
        for i in range(3):
            await _add(runtime, f"seen-{i}", i + 1)
        await eventually(lambda: _count(pool, 3))
        consumer_stop.set()  # a consumer paused: what comes now is published but not consumed
        await consumer
        for i in range(5):
            await _add(runtime, f"unseen-{i}", i + 1)
        await eventually(lambda: _outbox_empty(pool))
        stored = await pool.fetch("SELECT tx_id::text::bigint AS tx, position FROM events ORDER BY tx_id, position")
        last = (stored[-1]["tx"], stored[-1]["position"])
        position = await eventually(lambda: _position_at(pool, last))
        assert (position.tx_id, position.position) == last

        broker.process.kill()  # the memory broker loses every topic
        broker.process.wait()
        broker = start_tansu(port)
        consumer_stop, consumer = _consume(runtime)
        async with pool.acquire() as conn:
            request = await request_republish(conn, topic_for("sample", prefix), SAMPLE.registry.source, START)
            done = await wait_until_done(conn, request, timeout=60)
        assert done.done and done.published == 8

        effects = await eventually(lambda: _count(pool, 8))
        await asyncio.sleep(1)  # anything duplicated would show by now
        assert len(effects) == 8 and all(n == 1 for _, n in await _effects(pool))
        assert sorted(r["item"] for r in await pool.fetch("SELECT item FROM sample_effects")) == sorted(
            [f"seen-{i}" for i in range(3)] + [f"unseen-{i}" for i in range(5)]
        )
        messages = await read_messages(broker.bootstrap, topic_for("sample", prefix), 8)
        assert sorted(m.key for m in messages) == sorted(
            [f"seen-{i}".encode() for i in range(3)] + [f"unseen-{i}".encode() for i in range(5)]
        )
        assert all(m.headers["ce_source"] == b"/kite/sample" for m in messages)
        assert {json.loads(m.value)["item"] for m in messages} == {m.key.decode() for m in messages}
    finally:
        relay_stop.set()
        consumer_stop.set()
        await asyncio.gather(relay, consumer, return_exceptions=True)
        broker.stop()
        await pool.close()
        await infra.drop(dsn)


async def test_republish_since_a_time_sends_what_was_recorded_since_and_not_before(infra, prefix):
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(database_pool_max=4), dsn=dsn)
    kafka = infra.kafka(prefix)
    runtime = ServiceRuntime(SAMPLE, pool, kafka)
    stop = asyncio.Event()
    relay = asyncio.create_task(OutboxRelay(dsn, kafka, FAST_RELAY).run(stop))
    try:
        await _add(runtime, "old", 1)
        await pool.execute("UPDATE events SET recorded_at = recorded_at - interval '2 days'")
        since = utcnow() - timedelta(hours=1)
        await _add(runtime, "new", 2)
        await eventually(lambda: _outbox_empty(pool))
        async with pool.acquire() as conn:
            after = await position_before(conn, since)
            request = await request_republish(conn, topic_for("sample", prefix), SAMPLE.registry.source, after)
            done = await wait_until_done(conn, request, timeout=60)
            assert done.published == 1
            nothing = await position_before(conn, utcnow() + timedelta(days=1))
            empty = await request_republish(conn, topic_for("sample", prefix), SAMPLE.registry.source, nothing)
            assert (await wait_until_done(conn, empty, timeout=60)).published == 0
        messages = await read_messages(infra.bootstrap, topic_for("sample", prefix), 3)
        assert sorted(m.key for m in messages) == [b"new", b"new", b"old"]  # "new" twice: published, republished
    finally:
        stop.set()
        await relay
        await pool.close()
        await infra.drop(dsn)


async def _count(pool, n: int):
    effects = await _effects(pool)
    return effects if len(effects) >= n else None


async def _position_at(pool, last: tuple[int, int]):
    async with pool.acquire() as conn:
        position = await published_position(conn)
    return position if position is not None and (position.tx_id, position.position) == last else None


async def _delete_and_recreate(bootstrap: str, topic: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.delete_topics([topic])
        await eventually(lambda: _absent(admin, topic))
        await admin.create_topics([NewTopic(topic, num_partitions=partitions, replication_factor=1)])
    finally:
        await admin.close()


async def _absent(admin: AIOKafkaAdminClient, topic: str) -> bool:
    return topic not in await admin.list_topics()


async def _commit(bootstrap: str, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commits these offsets for the group, as its only member."""
    topic = next(iter(offsets)).topic
    consumer = AIOKafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False)
    await consumer.start()
    try:
        await eventually(lambda: _holds(consumer, set(offsets)), timeout=60, interval=0.5)
        await consumer.commit({tp: OffsetAndMetadata(offset, "") for tp, offset in offsets.items()})
    finally:
        await consumer.stop()


async def _holds(consumer: AIOKafkaConsumer, partitions: set[TopicPartition]) -> bool:
    return partitions <= consumer.assignment()


async def test_a_topic_lost_on_a_durable_broker_is_refilled_and_no_group_skips_it_after_a_reset(infra, prefix):
    """A durable Kafka lost the topic's messages but kept the groups' committed offsets (a topic
    deleted and recreated, a restore): republished messages land below those offsets and a consumer
    would skip them. Resetting the groups first gives every effect exactly once."""
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(database_pool_max=6), dsn=dsn)
    kafka = infra.kafka(prefix)
    topic = topic_for("sample", prefix)
    runtime = ServiceRuntime(SAMPLE, pool, kafka)
    group = ConsumerRunner(runtime, SAMPLE.consumers[0]).group_id
    relay_stop = asyncio.Event()
    relay = asyncio.create_task(OutboxRelay(dsn, kafka, FAST_RELAY).run(relay_stop))
    consumer_stop, consumer = _consume(runtime)
    try:
        for i in range(6):
            await _add(runtime, f"seen-{i}", 1)
        await eventually(lambda: _count(pool, 6))
        consumer_stop.set()  # the consumer is stopped (as an operator does before a reset)
        await consumer
        async with pool.acquire() as conn:
            since = await conn.fetchval("SELECT max(recorded_at) FROM events")
        for i in range(3):
            await _add(runtime, f"unseen-{i}", 1)
        await eventually(lambda: _outbox_empty(pool))
        partitions = [TopicPartition(topic, p) for p in range(4)]
        before = await committed(kafka, group, partitions)
        assert sum(o for o in before.values() if o > 0) == 6

        await _delete_and_recreate(infra.bootstrap, topic, len(partitions))
        kept = {tp: before[tp.partition] for tp in partitions if before[tp.partition] > 0}
        await _commit(infra.bootstrap, group, kept)  # the offsets the durable broker kept

        resets = await reset_groups_to_start(kafka, topic, [group])
        assert [r.group for r in resets] == [group]
        assert resets[0].offsets == {p: 0 for p in range(4)}
        assert await committed(kafka, group, partitions) == {p: 0 for p in range(4)}

        async with pool.acquire() as conn:
            after = await position_before(conn, since + timedelta(microseconds=1))
            request = await request_republish(conn, topic, SAMPLE.registry.source, after)
            assert (await wait_until_done(conn, request, timeout=60)).published == 3
        consumer_stop, consumer = _consume(runtime)
        effects = await eventually(lambda: _count(pool, 9))
        await asyncio.sleep(1)  # anything duplicated would show by now
        assert len(effects) == 9 and all(n == 1 for _, n in await _effects(pool))
        assert sorted(r["item"] for r in await pool.fetch("SELECT item FROM sample_effects")) == sorted(
            [f"seen-{i}" for i in range(6)] + [f"unseen-{i}" for i in range(3)]
        )
    finally:
        relay_stop.set()
        consumer_stop.set()
        await asyncio.gather(relay, consumer, return_exceptions=True)
        await pool.close()
        await infra.drop(dsn)


async def test_kite_republish_reset_groups_moves_the_groups_reading_the_topic_to_its_start(infra, prefix):
    """`kite republish roster --reset-groups`: the groups of the services that read roster's topic
    (and any other group the broker knows on it) are moved to its start, then the relay republishes."""
    from kite_common.discovery import installed_services

    roster = installed_services()["roster"]
    topic = topic_for("roster", prefix)
    kafka = infra.kafka(prefix)
    admin = AIOKafkaAdminClient(bootstrap_servers=infra.bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(topic, num_partitions=2, replication_factor=1)])
    finally:
        await admin.close()
    partitions = [TopicPartition(topic, p) for p in range(2)]
    stale = {tp: 40 + tp.partition for tp in partitions}
    outsider = f"{prefix}an-outside-system"  # a group no Kite service declares, known to the broker
    for group in (f"{prefix}casework.member-directory", outsider):
        await _commit(infra.bootstrap, group, stale)
    async with running(infra, roster, prefix, roles=("relay",)) as svc:
        env = {
            **os.environ,
            "DATABASE_URL": svc.dsn,
            "KAFKA_BOOTSTRAP_SERVERS": infra.bootstrap,
            "KAFKA_TOPIC_PREFIX": prefix,
            "COLUMNS": "200",
        }
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "kite_common.cli",
            "republish",
            "roster",
            "--reset-groups",
            "--wait",
            "60",
            env=env,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        out, _ = await proc.communicate()
    text = out.decode()
    assert proc.returncode == 0, text
    readers = [
        f"{prefix}{s.name}.{spec.purpose}"
        for s in installed_services().values()
        for spec in s.consumers
        if "roster" in spec.sources
    ]
    assert f"{prefix}casework.member-directory" in readers
    for group in [*readers, outsider]:
        assert f"{group}: reset to the start of {topic}" in text
        assert await committed(kafka, group, partitions) == {0: 0, 1: 0}
    assert "republished" in text

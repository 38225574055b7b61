"""`kite dlq list|show|redrive` against a real broker and database: an event a consumer gave up on is
listed with its reason, shown, and once the cause is fixed redriven and handled exactly once."""

from __future__ import annotations

import asyncio
import os
import sys

from kite_common.clock import utcnow
from kite_common.db.pool import create_pool
from kite_common.events import EventEnvelope
from kite_common.ids import new_id
from kite_common.messaging.cloudevents_kafka import ReceivedEvent, encode, topic_for
from kite_common.messaging.consumer import ConsumerRunner, ConsumerSpec
from kite_common.messaging.producer import create_producer
from kite_common.runtime import ServiceRuntime
from kite_common.settings import ConsumerSettings, DatabaseSettings
from kite_common.testing.sample import SAMPLE
from kite_common.testing.stack import eventually
from kite_common.unit_of_work import UnitOfWork

BROKEN: set[str] = set()  # items the handler cannot take yet (a bug, later fixed)


async def fragile_effect(uow: UnitOfWork, event: ReceivedEvent) -> None:
    item = str(event.envelope.data["item"])
    if item in BROKEN:
        raise RuntimeError(f"cannot take {item} yet")
    await uow.conn.execute("INSERT INTO sample_effects (event_id, item) VALUES ($1, $2)", str(event.envelope.id), item)


def _event(item: str) -> EventEnvelope:
    return EventEnvelope(
        id=new_id(),
        source="/kite/sample",
        type="kite.sample.item-added.v1",
        subject=item,
        time=utcnow(),
        data={"item": item, "quantity": 1},
        stream_version=1,
    )


async def _kite(bootstrap: str, *args: str) -> tuple[int, str]:
    env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "COLUMNS": "200"}
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "kite_common.cli",
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await proc.communicate()
    return proc.returncode or 0, out.decode()


async def _items(pool) -> list[str]:
    return sorted(r["item"] for r in await pool.fetch("SELECT item FROM sample_effects"))


async def test_a_dead_letter_is_listed_shown_and_redriven_once_fixed_and_handled_exactly_once(infra, prefix):
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(database_pool_max=4), dsn=dsn)
    kafka = infra.kafka(prefix)
    topic = topic_for("sample", prefix)
    runner = ConsumerRunner(
        ServiceRuntime(SAMPLE, pool, kafka),
        ConsumerSpec("effects", ["sample"], fragile_effect),
        ConsumerSettings(max_attempts=2, retry_backoff_s=0.01),
    )
    stop = asyncio.Event()
    task = asyncio.create_task(runner.run(stop))
    BROKEN.add("fragile")
    fragile = _event("fragile")
    try:
        producer = await create_producer(kafka)
        try:
            for event in (fragile, _event("fine")):
                key, value, headers = encode(event)
                await producer.send_and_wait(topic, value=value, key=key, headers=headers)
        finally:
            await producer.stop()
        await eventually(lambda: _is(runner.dead_lettered == 1 and runner.handled == 1))

        code, out = await _kite(infra.bootstrap, "dlq", "list", "--topic", topic)
        assert code == 0, out
        lines = [line.split("\t") for line in out.splitlines() if "\t" in line]
        assert len(lines) == 1
        letter_id, consumer, event, attempts, reason = lines[0]
        assert letter_id.startswith(f"{topic}.dlq:")
        assert (consumer, event, attempts) == ("sample.effects", f"kite.sample.item-added.v1 {fragile.id}", "2")
        assert reason == "RuntimeError: cannot take fragile yet"

        code, out = await _kite(infra.bootstrap, "dlq", "show", letter_id)
        assert code == 0, out
        assert '"item":"fragile"' in out and f"kite_original_topic: {topic}" in out and "Traceback" in out
        assert (await _kite(infra.bootstrap, "dlq", "show", f"{topic}.dlq:0:999"))[0] == 1
        assert (await _kite(infra.bootstrap, "dlq", "show", "not-an-id"))[0] != 0

        BROKEN.clear()  # the fix is deployed
        code, out = await _kite(infra.bootstrap, "dlq", "redrive", letter_id, letter_id)
        assert code == 0 and "2 dead letter(s) sent back" in out, out
        await eventually(lambda: _has(pool, "fragile"))
        assert (await _kite(infra.bootstrap, "dlq", "redrive", letter_id))[0] == 0  # an operator's second try
        await eventually(lambda: _is(runner.dead_lettered == 1 and runner.handled == 2))
        await asyncio.sleep(1)  # a second effect would show by now
        assert await _items(pool) == ["fine", "fragile"]
        assert await pool.fetchval("SELECT count(*) FROM inbox WHERE event_id = $1", str(fragile.id)) == 1
    finally:
        BROKEN.clear()
        stop.set()
        await task
        await pool.close()
        await infra.drop(dsn)


async def _is(value: bool) -> bool:
    return value


async def _has(pool, item: str) -> bool:
    return item in await _items(pool)

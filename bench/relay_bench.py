"""Relay benchmark (not a test): the outbox relay draining N events to the broker, against raw
aiokafka sending the same N messages (same keys, values and headers, same producer settings) to
the same broker, interleaved rounds in the same run, medians.

The relay runs throughout, idle between rounds; each round commits N events at once through the unit
of work every command uses (store and outbox), and the relay's rate runs from that commit to the
last row deleted after the broker acknowledged it. The reference sends the same messages as read
from the outbox, awaiting every acknowledgement.

Target: the relay at least 80 % of raw aiokafka's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from kite_common.db.pool import create_pool
from kite_common.messaging.producer import create_producer
from kite_common.outbox.relay import OutboxRelay
from kite_common.runtime import ServiceRuntime
from kite_common.settings import DatabaseSettings
from kite_common.testing.sample import SAMPLE, ItemAdded
from kite_common.testing.stack import Infra

PER_STREAM = 50


async def _fill(runtime: ServiceRuntime, n: int) -> None:
    """N events, PER_STREAM to a stream, written as commands write them (store, outbox), committed
    together so the relay finds them all at once."""
    async with runtime.unit_of_work() as uow:
        for _ in range(n // PER_STREAM):
            events = [ItemAdded(item="春风行动", quantity=i) for i in range(PER_STREAM)]
            await uow.append(f"basket-{uuid.uuid4()}", 0, events)


async def _relayed(relay: OutboxRelay, runtime: ServiceRuntime, n: int) -> float:
    """The running relay's rate for N events committed at once, from the commit to the last deleted."""
    before = relay.published
    await _fill(runtime, n)
    start = time.perf_counter()
    while relay.published - before < n:  # noqa: ASYNC110 - polling a counter costs the relay nothing
        await asyncio.sleep(0.002)
    return n / (time.perf_counter() - start)


async def _raw(infra: Infra, prefix: str, messages: list[tuple[str, bytes, bytes, list[tuple[str, bytes]]]]) -> float:
    producer = await create_producer(infra.kafka(prefix))
    try:
        start = time.perf_counter()
        futures = [
            await producer.send(topic, value=body, key=key, headers=headers) for topic, key, body, headers in messages
        ]
        await asyncio.gather(*futures)
        return len(messages) / (time.perf_counter() - start)
    finally:
        await producer.stop()


async def run(infra: Infra, n: int, rounds: int) -> None:
    dsn = await infra.fresh_database(SAMPLE)
    prefix = f"bench{uuid.uuid4().hex[:6]}."
    pool = await create_pool(DatabaseSettings(), dsn=dsn)
    runtime = ServiceRuntime(SAMPLE, pool, infra.kafka(prefix))
    rates: dict[str, list[float]] = {"raw": [], "relay": []}
    relay = OutboxRelay(dsn, infra.kafka(prefix))
    stop = asyncio.Event()
    try:
        await _fill(runtime, n)  # the messages the reference sends, as the relay would find them
        rows = await pool.fetch("SELECT topic, key, headers, body FROM outbox ORDER BY id")
        messages = [
            (r["topic"], r["key"].encode(), r["body"], [(k, v.encode()) for k, v in r["headers"]]) for r in rows
        ]
        task = asyncio.create_task(relay.run(stop))
        while relay.published < n:  # noqa: ASYNC110 - warm up: topics made, statements prepared
            await asyncio.sleep(0.01)
        await _raw(infra, prefix, messages[:1000])
        for _ in range(rounds):
            rates["raw"].append(await _raw(infra, prefix, messages))
            rates["relay"].append(await _relayed(relay, runtime, n))
        stop.set()
        await task
    finally:
        stop.set()
        await pool.close()
        await infra.drop(dsn)
        await infra.drop_templates()
    raw, kite = statistics.median(rates["raw"]), statistics.median(rates["relay"])
    print(f"\nRelay: {n} events from the outbox to the broker, median of {rounds} rounds")
    print(f"{'path':<46}{'msg/s':>10}{'ratio':>9}")
    print(f"{'raw aiokafka, same messages (reference)':<46}{raw:>10.0f}{1:>8.2f}x")
    print(f"{'Kite outbox relay (read, publish, delete)':<46}{kite:>10.0f}{kite / raw:>8.2f}x")
    print("target: ratio at least 0.80x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=10000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    infra = Infra.start()
    try:
        asyncio.run(run(infra, args.events, args.rounds))
    finally:
        infra.stop()


if __name__ == "__main__":
    main()

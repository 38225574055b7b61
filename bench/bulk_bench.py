"""Bulk append benchmark (not a test): N new streams of one event each through
`kite_common.bulk.append_new_streams` (events prepared in Python as COPY text, then one COPY into
`events`, the projections, one COPY into `outbox`, one transaction), against a raw COPY of the very
same rows (the text already made) into the same tables, interleaved rounds in the same run, medians.

Target: the bulk append at least 50 % of the raw COPY's rate.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid

from kite_common.bulk import _EVENT_COLUMNS, _OUTBOX_COLUMNS, StreamPreparer, append_new_streams
from kite_common.db.pool import create_pool
from kite_common.messaging.cloudevents_kafka import topic_for
from kite_common.settings import DatabaseSettings
from kite_common.testing.sample import SAMPLE, ItemAdded
from kite_common.testing.stack import Infra

TOPIC = topic_for("sample", "bench.")


def _streams(n: int) -> list[tuple[str, list[ItemAdded]]]:
    return [(f"basket-{uuid.uuid4()}", [ItemAdded(item=f"春风行动-{i % 97}", quantity=i % 9 + 1)]) for i in range(n)]


async def run(infra: Infra, n: int, rounds: int) -> None:
    dsn = await infra.fresh_database(SAMPLE)
    pool = await create_pool(DatabaseSettings(), dsn=dsn)
    rates: dict[str, list[float]] = {"raw": [], "kite": []}

    async def empty() -> None:
        await pool.execute("TRUNCATE events, outbox")
        await pool.execute("VACUUM ANALYZE events")
        await pool.execute("VACUUM ANALYZE outbox")

    async def kite(streams: list[tuple[str, list[ItemAdded]]]) -> float:
        start = time.perf_counter()
        async with pool.acquire() as conn, conn.transaction():
            await append_new_streams(conn, SAMPLE.registry, (), TOPIC, streams)
        return n / (time.perf_counter() - start)

    async def raw(events: bytes, outbox: bytes) -> float:
        start = time.perf_counter()
        async with pool.acquire() as conn, conn.transaction():
            await conn.copy_to_table("events", source=_once(events), columns=list(_EVENT_COLUMNS), format="text")
            await conn.copy_to_table("outbox", source=_once(outbox), columns=list(_OUTBOX_COLUMNS), format="text")
        return n / (time.perf_counter() - start)

    try:
        for _ in range(rounds):
            streams = _streams(n)
            preparer = StreamPreparer(SAMPLE.registry, TOPIC)
            prepared = [preparer.prepare(s, e) for s, e in _streams(n)]
            await empty()
            rates["raw"].append(await raw(b"".join(p.events for p in prepared), b"".join(p.outbox for p in prepared)))
            await empty()
            rates["kite"].append(await kite(streams))
    finally:
        await pool.close()
        await infra.drop(dsn)
        await infra.drop_templates()
    reference, bulk = statistics.median(rates["raw"]), statistics.median(rates["kite"])
    print(f"\nBulk append: {n} new streams of one event (store + outbox), median of {rounds} rounds")
    print(f"{'path':<52}{'rows/s':>10}{'ratio':>9}")
    print(f"{'raw COPY of the same rows, text made (reference)':<52}{reference:>10.0f}{1:>8.2f}x")
    print(f"{'kite_common.bulk.append_new_streams':<52}{bulk:>10.0f}{bulk / reference:>8.2f}x")
    print("target: ratio at least 0.50x")


async def _once(data: bytes):
    yield data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--streams", type=int, default=50000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    infra = Infra.start()
    try:
        asyncio.run(run(infra, args.streams, args.rounds))
    finally:
        infra.stop()


if __name__ == "__main__":
    main()

"""Store benchmark (not a test): append one event to a new stream with its outbox, through the unit
of work every command uses, against a raw asyncpg INSERT transaction to the same server, interleaved
rounds in the same run, plus the statements one append sends.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from kite_common.db.migrations import migrate
from kite_common.db.pool import connect, create_pool
from kite_common.projection import Projection
from kite_common.runtime import ServiceRuntime
from kite_common.settings import DatabaseSettings, KafkaSettings
from kite_common.testing.sample import SAMPLE, ItemAdded
from kite_common.testing.stack import Infra

TASKS = 64


@dataclass
class _Model:
    """The sample service without its projection: the store and the outbox only."""

    name: str = "sample"
    registry: object = SAMPLE.registry
    projections: tuple[Projection, ...] = field(default_factory=tuple)


async def _timed(task: Callable[[], Awaitable[None]], seconds: float) -> float:
    """Operations per second with TASKS of `task` running for `seconds`."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await task()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(TASKS)))
    return done / (time.perf_counter() - start)


async def _statements_per_append(dsn: str) -> int:
    seen: list[str] = []
    pool = await create_pool(DatabaseSettings(database_url=dsn, database_pool_min=1, database_pool_max=1))
    async with pool.acquire() as conn:
        conn.add_query_logger(lambda record: seen.append(record.query))
    runtime = ServiceRuntime(_Model(), pool, KafkaSettings())  # type: ignore[arg-type]
    for _ in range(2):  # the second append: statements prepared, types known
        seen.clear()
        async with runtime.unit_of_work() as uow:
            await uow.append(f"count-{uuid.uuid4()}", 0, [ItemAdded(item="x", quantity=1)])
    await pool.close()
    return len(seen)


async def run(dsn: str, seconds: float, rounds: int) -> None:
    conn = await connect(dsn)
    await migrate(conn, SAMPLE.migrations())
    await conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id uuid PRIMARY KEY, data jsonb NOT NULL)")
    await conn.close()
    pool = await create_pool(dsn=dsn)
    runtime = ServiceRuntime(_Model(), pool, KafkaSettings())  # type: ignore[arg-type]

    async def kite_append() -> None:
        async with runtime.unit_of_work() as uow:
            await uow.append(f"basket-{uuid.uuid4()}", 0, [ItemAdded(item="春风行动", quantity=3)])

    async def raw_insert() -> None:
        async with pool.acquire() as c, c.transaction():
            await c.execute(
                "INSERT INTO bench_raw (id, data) VALUES ($1, $2)", uuid.uuid4(), {"item": "春风行动", "quantity": 3}
            )

    contenders: dict[str, Callable[[], Awaitable[None]]] = {"raw": raw_insert, "kite": kite_append}
    for task in contenders.values():
        await _timed(task, 1)  # warm up
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, task in contenders.items():
            rates[name].append(await _timed(task, seconds))
    await pool.close()
    statements = await _statements_per_append(dsn)
    raw, kite = statistics.median(rates["raw"]), statistics.median(rates["kite"])
    print(f"\nStore: append one event to a new stream with its outbox, {TASKS} tasks, median of {rounds} rounds")
    print(f"{'path':<44}{'per s':>10}{'ratio':>9}")
    print(f"{'raw asyncpg INSERT transaction (reference)':<44}{raw:>10.0f}{1:>8.2f}x")
    print(f"{'Kite unit of work: store + outbox':<44}{kite:>10.0f}{kite / raw:>8.2f}x")
    print(f"statements per append (BEGIN, COMMIT and the pool's reset included): {statements}")
    print("targets: ratio at least 0.40x, at most 5 statements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    admin = os.environ.get("DATABASE_URL")
    infra = None if admin else Infra.start()
    name = f"kite_bench_store_{uuid.uuid4().hex[:8]}"

    async def go() -> None:
        from kite_common.localstack.infra import drop_database, ensure_database

        admin_dsn = admin or (infra.admin_dsn if infra else "")
        dsn = await ensure_database(admin_dsn, name)
        try:
            await run(dsn, args.seconds, args.rounds)
        finally:
            await drop_database(admin_dsn, name)

    try:
        asyncio.run(go())
    finally:
        if infra is not None:
            infra.stop()


if __name__ == "__main__":
    main()

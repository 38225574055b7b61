"""What the write-path benchmarks share (`store`, `register`): a database of their own, TASKS concurrent
loops timed in interleaved rounds, the raw asyncpg INSERT transaction they are measured against, and
the statements (round trips) one write sends.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from pathlib import Path

import asyncpg
from kite_common.db.pool import create_pool
from kite_common.db.types import Connection
from kite_common.settings import DatabaseSettings

TASKS = 64
Task = Callable[[], Awaitable[None]]
RAW_LABEL = "raw asyncpg INSERT transaction (reference)"


async def timed(task: Task, seconds: float, tasks: int = TASKS) -> float:
    """Operations per second with `tasks` loops of `task` running for `seconds`."""
    done = 0
    deadline = time.perf_counter() + seconds

    async def loop() -> None:
        nonlocal done
        while time.perf_counter() < deadline:
            await task()
            done += 1

    start = time.perf_counter()
    await asyncio.gather(*(loop() for _ in range(tasks)))
    return done / (time.perf_counter() - start)


async def interleaved(contenders: dict[str, Task], seconds: float, rounds: int) -> dict[str, float]:
    """Each contender's median rate over `rounds` rounds, the contenders taking turns (after a warm-up)."""
    for task in contenders.values():
        await timed(task, 1)
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(rounds):
        for name, task in contenders.items():
            rates[name].append(await timed(task, seconds))
    return {name: statistics.median(r) for name, r in rates.items()}


async def create_raw_table(conn: Connection) -> None:
    await conn.execute("CREATE TABLE IF NOT EXISTS bench_raw (id uuid PRIMARY KEY, data jsonb NOT NULL)")


def raw_insert(pool: asyncpg.Pool) -> Task:
    """The reference: one row INSERTed in a transaction of its own on a pooled connection (BEGIN,
    INSERT, COMMIT and the pool's reset: four round trips)."""

    async def insert() -> None:
        async with pool.acquire() as c, c.transaction():
            await c.execute(
                "INSERT INTO bench_raw (id, data) VALUES ($1, $2)", uuid.uuid4(), {"item": "春风行动", "quantity": 3}
            )

    return insert


async def statements_per_call(dsn: str, write: Callable[[asyncpg.Pool], Awaitable[None]]) -> int:
    """The statements `write` sends (BEGIN, COMMIT and the pool's reset on release included), each a
    round trip: counted on a pool of one connection, on the second call (statements prepared, types known)."""
    seen: list[str] = []
    pool = await create_pool(DatabaseSettings(database_url=dsn, database_pool_min=1, database_pool_max=1))
    try:
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record: seen.append(record.query))
        for _ in range(2):
            seen.clear()
            await write(pool)
    finally:
        await pool.close()
    return len(seen)


def run_with_database(prefix: str, run: Callable[[str], Awaitable[None]]) -> None:
    """`run(dsn)` on a database of its own, made on DATABASE_URL's server (an admin DSN) or on an
    embedded PostgreSQL started for the run, and dropped afterwards."""
    from kite_common.localstack.infra import (
        drop_database,
        ensure_database,
        start_embedded_postgres,
        stop_embedded_postgres,
    )

    name = f"{prefix}_{uuid.uuid4().hex[:8]}"

    async def go(admin_dsn: str) -> None:
        dsn = await ensure_database(admin_dsn, name)
        try:
            await run(dsn)
        finally:
            await drop_database(admin_dsn, name)

    admin = os.environ.get("DATABASE_URL")
    if admin:
        asyncio.run(go(admin))
        return
    data = Path(tempfile.mkdtemp(prefix="kite-bench-pg-"))
    try:
        asyncio.run(go(start_embedded_postgres(data)))
    finally:
        stop_embedded_postgres(data)
        shutil.rmtree(data, ignore_errors=True)

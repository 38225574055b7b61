"""Store benchmark (not a test): append one event to a new stream with its outbox, through the unit
of work every command uses, against a raw asyncpg INSERT transaction to the same server, interleaved
rounds in the same run, plus the statements one append sends.
"""

from __future__ import annotations

import argparse
import uuid
from dataclasses import dataclass, field

import asyncpg
from kite_common.db.migrations import migrate
from kite_common.db.pool import connect, create_pool
from kite_common.projection import Projection
from kite_common.runtime import ServiceRuntime
from kite_common.settings import KafkaSettings
from kite_common.testing.sample import SAMPLE, ItemAdded
from write_path import (
    RAW_LABEL,
    TASKS,
    create_raw_table,
    interleaved,
    raw_insert,
    run_with_database,
    statements_per_call,
)


@dataclass
class _Model:
    """The sample service without its projection: the store and the outbox only."""

    name: str = "sample"
    registry: object = SAMPLE.registry
    projections: tuple[Projection, ...] = field(default_factory=tuple)


def _runtime(pool: asyncpg.Pool) -> ServiceRuntime:
    return ServiceRuntime(_Model(), pool, KafkaSettings())  # type: ignore[arg-type]


async def _append(runtime: ServiceRuntime) -> None:
    async with runtime.unit_of_work() as uow:
        await uow.append(f"basket-{uuid.uuid4()}", 0, [ItemAdded(item="春风行动", quantity=3)])


async def run(dsn: str, seconds: float, rounds: int) -> None:
    conn = await connect(dsn)
    await migrate(conn, SAMPLE.migrations())
    await create_raw_table(conn)
    await conn.close()
    pool = await create_pool(dsn=dsn)
    runtime = _runtime(pool)

    async def kite_append() -> None:
        await _append(runtime)

    rates = await interleaved({"raw": raw_insert(pool), "kite": kite_append}, seconds, rounds)
    await pool.close()
    statements = await statements_per_call(dsn, lambda p: _append(_runtime(p)))
    raw, kite = rates["raw"], rates["kite"]
    print(f"\nStore: append one event to a new stream with its outbox, {TASKS} tasks, median of {rounds} rounds")
    print(f"{'path':<44}{'per s':>10}{'ratio':>9}")
    print(f"{RAW_LABEL:<44}{raw:>10.0f}{1:>8.2f}x")
    print(f"{'Kite unit of work: store + outbox':<44}{kite:>10.0f}{kite / raw:>8.2f}x")
    print(f"statements per append (BEGIN, COMMIT and the pool's reset included): {statements}")
    print("targets: ratio at least 0.40x, at most 5 statements")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    run_with_database("kite_bench_store", lambda dsn: run(dsn, args.seconds, args.rounds))


if __name__ == "__main__":
    main()

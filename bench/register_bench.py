"""Register benchmark (not a test): roster's register-member command without HTTP — the command
handler through the unit of work, as POST /members runs it (encrypted numbers, duplicate check, store,
inline projections, outbox) — for fresh valid members, TASKS at a time, against a raw asyncpg INSERT
transaction to the same server, interleaved rounds in the same run; and the statements (round trips)
one registration sends.

    uv run python bench/register_bench.py [--seconds 5] [--rounds 3]
"""

from __future__ import annotations

import argparse
import itertools
import os
from collections.abc import Awaitable, Callable, Iterator

import asyncpg
from kite_common.auth import Principal
from kite_common.db.migrations import migrate
from kite_common.db.pool import connect, create_pool
from kite_common.privacy import FieldProtector
from kite_common.runtime import ServiceRuntime
from kite_common.settings import KafkaSettings
from kite_common.testing.stack import TEST_SECRETS
from members import request_bodies
from write_path import (
    RAW_LABEL,
    TASKS,
    create_raw_table,
    interleaved,
    raw_insert,
    run_with_database,
    statements_per_call,
)

TARGET_RATIO = 0.25


def _registrations() -> Iterator[object]:
    from kite_roster.members.domain.member import Registration

    for body in request_bodies():
        yield Registration(
            name=str(body["name"]),
            id_number=str(body["id_number"]),
            phone=str(body["phone"]),
            gender=body["gender"],  # type: ignore[arg-type]
            origin_division_code=str(body["origin_division_code"]),
            current_city=str(body["current_city"]),
            employer=body["employer"],  # type: ignore[arg-type]
            is_party_member=bool(body["is_party_member"]),
            skills=tuple(body["skills"]),  # type: ignore[arg-type]
            industry=body["industry"],  # type: ignore[arg-type]
            languages=tuple(body["languages"]),  # type: ignore[arg-type]
        )


async def run(dsn: str, seconds: float, rounds: int, ready: int) -> None:
    from kite_roster.members.adapters.pii_vault import PiiVault
    from kite_roster.members.application.register_member import register_member
    from kite_roster.service import SERVICE

    conn = await connect(dsn)
    await migrate(conn, SERVICE.migrations())
    await create_raw_table(conn)
    await conn.close()
    vault = PiiVault(FieldProtector.from_settings())
    registrar = Principal("bench", frozenset({"registrar"}), "")  # the whole country: every generated origin
    generated = _registrations()
    # Made before the clock starts (the rest, if a fast machine needs more, as they are taken).
    members = itertools.chain(list(itertools.islice(generated, ready)), generated)

    kafka = KafkaSettings()  # read once, as the app does: settings parse the environment

    def registering(pool: asyncpg.Pool) -> Callable[[], Awaitable[None]]:
        runtime = ServiceRuntime(SERVICE, pool, kafka)  # the app's one runtime

        async def register() -> None:
            await register_member(runtime.unit_of_work(), vault, registrar, next(members))  # type: ignore[arg-type]

        return register

    pool = await create_pool(dsn=dsn)

    rates = await interleaved({"raw": raw_insert(pool), "kite": registering(pool)}, seconds, rounds)
    await pool.close()
    statements = await statements_per_call(dsn, lambda p: registering(p)())
    raw, kite = rates["raw"], rates["kite"]
    print(f"\nRegister: roster's register-member command, no HTTP, {TASKS} tasks, median of {rounds} rounds")
    print(f"{'path':<44}{'per s':>10}{'ratio':>9}")
    print(f"{RAW_LABEL:<44}{raw:>10.0f}{1:>8.2f}x")
    print(f"{'roster register-member (unit of work)':<44}{kite:>10.0f}{kite / raw:>8.2f}x")
    print(f"statements per registration (BEGIN, COMMIT and the pool's reset included): {statements}")
    print(f"target: ratio at least {TARGET_RATIO:.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--members", type=int, default=30_000, help="members generated before the clock starts")
    args = parser.parse_args()
    for key, value in TEST_SECRETS.items():
        os.environ.setdefault(key, value)
    run_with_database("kite_bench_register", lambda dsn: run(dsn, args.seconds, args.rounds, args.members))


if __name__ == "__main__":
    main()

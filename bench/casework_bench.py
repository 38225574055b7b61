"""Casework benchmark (`make bench`; not a test): many open cases, the deadline watch's lag, queue and
ledger reads.

    uv run python bench/casework_bench.py [--cases 1000000] [--seed-batch 5000] [--uow-cases 5000] [--due 2000]

Uses DATABASE_URL (an admin DSN: a database of its own is created and dropped) or starts an embedded
PostgreSQL. Then:
  1. seeds N cases through the bulk write path (`kite_common.bulk.append_new_streams`: the case
     aggregate decides each opening, the events go to the store and the outbox by COPY and through
     the same projections, whose openings are batched), `--seed-batch` per transaction: a quarter
     were opened over the last 45 days and the deadline watch has already warned of and breached
     theirs (so many cases are overdue), the rest on a 一月 clock from now; one in seven works in
     浙江 (a second place, counted in both ledgers). The reference: `--uow-cases` more opened through
     the per-command path (the aggregate and `uow.save`, `--batch` per transaction), printed as a
     rate ratio (the member lookup of `open_case` is left out: the bench has no roster);
  2. starts the deadline worker (the one the consume role runs), opens `--due` 一小时 cases whose
     deadlines fall 30–50 s later (their warnings are due at once), and measures, for each breach,
     the lag from the deadline to its `case-sla-breached` event (target p95 under 5 s);
  3. times the deadline queue (`sort=deadline`, a county caseworker's jurisdiction) and a search
     (overdue, by category), target p95 under 50 ms, and the service ledger of a province at each
     level (province, city, county, township, village) over the seeded months (both places, with the
     province's total), read from the pre-aggregated counters.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

BENCH_KEYS = {
    "KITE_CRYPTO_DATA_KEYS": "bench:" + base64.b64encode(b"b" * 32).decode(),
    "KITE_CRYPTO_HASH_KEY": base64.b64encode(b"h" * 32).decode(),
    "KITE_CERT_SIGNING_KEYS": "bench1:" + base64.b64encode(b"e" * 32).decode(),
}
COUNTIES = ["522631", "522632", "522633", "520102", "520103", "520111", "530102", "530111"]
PAST_FRACTION = float(os.environ.get("BENCH_PAST_FRACTION", "0.25"))  # opened over the last 45 days
WORK_PLACES = ["3301", "3302", "330106", "440305"]  # 杭州, 宁波, 西湖区, 深圳南山区
TARGET_LAG_P95_S = 5.0
TARGET_QUERY_P95_MS = 50.0


def _percentile(values: list[float], q: float) -> float:
    xs = sorted(values)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def _origin(rng: random.Random) -> str:
    return f"{rng.choice(COUNTIES)}{rng.randint(100, 120):03d}{rng.randint(1, 30):03d}"


async def _open_cases(dsn: str, n: int, batch: int, due_in: timedelta | None = None) -> float:
    """Opens `n` cases, `batch` per transaction; returns the seconds it took. With `due_in`, they are
    一小时 cases whose deadlines fall from `due_in` after now, spread over 20 s; else 一月 cases."""
    from kite_casework.domain.case import Case, CaseRequest
    from kite_casework.domain.categories import CaseCategory
    from kite_casework.domain.sla import Urgency
    from kite_casework.service import SERVICE
    from kite_common.clock import utcnow
    from kite_common.db.pool import create_pool
    from kite_common.ids import new_id
    from kite_common.runtime import ServiceRuntime
    from kite_common.settings import DatabaseSettings, KafkaSettings

    rng = random.Random(len(dsn) + n)  # noqa: S311 - generated data, not secrets
    pool = await create_pool(DatabaseSettings(database_pool_max=4), dsn=dsn)
    runtime = ServiceRuntime(SERVICE, pool, KafkaSettings())
    categories = list(CaseCategory)
    started = time.perf_counter()
    first_deadline = utcnow() + due_in if due_in is not None else None
    opened = 0
    while opened < n:
        size = min(batch, n - opened)
        uow = runtime.unit_of_work()
        async with uow:
            now = utcnow()
            cases = []
            for i in range(size):
                case = Case.create(new_id())
                if first_deadline is not None:
                    falls = first_deadline + timedelta(seconds=20 * (opened + i) / n)
                    request = CaseRequest(uuid.uuid4(), CaseCategory.WAGE_ARREARS, Urgency.CRITICAL, "讨薪")
                    case.open(request, _origin(rng), "bench", falls - timedelta(hours=1))
                else:
                    request = CaseRequest(uuid.uuid4(), rng.choice(categories), Urgency.LOW, "诉求")
                    case.open(request, _origin(rng), "bench", now)
                cases.append(case)
            await uow.save(*cases)
        opened += size
        if opened % (batch * 100) == 0:
            rate = opened / (time.perf_counter() - started)
            print(f"  {opened:,} cases opened ({rate:,.0f}/s)", flush=True)
    seconds = time.perf_counter() - started
    await pool.close()
    return seconds


async def _seed_cases(dsn: str, n: int, batch: int) -> float:
    """Seeds `n` cases through the bulk path, `batch` per transaction; returns the seconds it took."""
    from kite_casework.domain.case import Case, CaseRequest
    from kite_casework.domain.categories import CaseCategory
    from kite_casework.domain.intake import Channel
    from kite_casework.domain.sla import Urgency
    from kite_casework.service import SERVICE
    from kite_common.bulk import append_new_streams
    from kite_common.clock import utcnow
    from kite_common.db.pool import connect
    from kite_common.ids import new_id
    from kite_common.messaging.cloudevents_kafka import topic_for

    rng = random.Random(n)  # noqa: S311 - generated data, not secrets
    categories, channels = list(CaseCategory), list(Channel)
    topic = topic_for(SERVICE.name, "")
    conn = await connect(dsn)
    started = time.perf_counter()
    seeded = 0
    try:
        while seeded < n:
            size = min(batch, n - seeded)
            now = utcnow()
            items = []
            for _ in range(size):
                case = Case.create(new_id())
                past = rng.random() < PAST_FRACTION
                opened_at = now - timedelta(days=rng.uniform(0, 45)) if past else now
                work = rng.choice(WORK_PLACES) if rng.random() < 1 / 7 else None
                request = CaseRequest(
                    uuid.uuid4(),
                    rng.choice(categories),
                    rng.choice([Urgency.LOW, Urgency.NORMAL]) if past else Urgency.LOW,
                    "诉求",
                    channel=rng.choice(channels),
                    work_division_code=work,
                )
                decided = case.open(request, _origin(rng), "bench", opened_at)
                if past:  # what the deadline watch would have written by now
                    assert case.deadline is not None
                    warn_at = opened_at + (case.deadline - opened_at) * 0.8
                    decided += case.watch_deadline(now, warn_at, None)
                items.append((case.stream_id, decided))
            async with conn.transaction():
                await append_new_streams(conn, SERVICE.registry, SERVICE.projections, topic, items)
            seeded += size
            if seeded % (batch * 20) == 0:
                rate = seeded / (time.perf_counter() - started)
                print(f"  {seeded:,} cases seeded ({rate:,.0f}/s)", flush=True)
        await conn.execute("ANALYZE")  # as autovacuum would after a load this size
    finally:
        await conn.close()
    return time.perf_counter() - started


async def _watch(dsn: str, due: int, batch: int) -> list[float]:
    """Opens `due` 一小时 cases whose warning moments have passed and whose deadlines fall 30–50 s
    later, runs the deadline worker until each is breached; returns the lags in seconds."""
    from kite_casework.service import SERVICE
    from kite_casework.workers.deadline_watch import deadline_watch_worker
    from kite_common.clock import utcnow
    from kite_common.db.pool import create_pool
    from kite_common.runtime import ServiceRuntime
    from kite_common.settings import DatabaseSettings, KafkaSettings

    pool = await create_pool(DatabaseSettings(database_pool_max=4), dsn=dsn)
    runtime = ServiceRuntime(SERVICE, pool, KafkaSettings())
    stop = asyncio.Event()
    started = utcnow()  # breaches of the seeded cases were written before: only later ones count
    worker = asyncio.create_task(deadline_watch_worker(runtime, stop))
    await _open_cases(dsn, due, batch, due_in=timedelta(seconds=30))
    breached = "SELECT count(*) FROM events WHERE type = 'kite.casework.case-sla-breached.v1' AND recorded_at >= $1"
    limit = time.monotonic() + 180
    while await pool.fetchval(breached, started) < due and time.monotonic() < limit:  # noqa: ASYNC110
        await asyncio.sleep(0.5)
    stop.set()
    await worker
    rows = await pool.fetch(
        """SELECT EXTRACT(EPOCH FROM (recorded_at - (data->>'deadline')::timestamptz)) AS lag
           FROM events WHERE type = 'kite.casework.case-sla-breached.v1' AND recorded_at >= $1""",
        started,
    )
    await pool.close()
    return [float(r["lag"]) for r in rows]


async def _reads(dsn: str, samples: int) -> list[tuple[str, float, float]]:
    from kite_casework.application.queries import CaseFilter, CaseSort, list_cases
    from kite_casework.domain.categories import CaseCategory
    from kite_casework.ledger.adapters.projection import month_of
    from kite_casework.ledger.application.service_ledger import service_ledger
    from kite_common.auth import Principal
    from kite_common.clock import utcnow
    from kite_common.db.pool import connect

    rng = random.Random(11)  # noqa: S311 - picks jurisdictions, not secrets
    conn = await connect(dsn)
    results = []
    try:
        kinds = {
            "queue (sort=deadline)": lambda: CaseFilter(sort=CaseSort.DEADLINE),
            "search (overdue, category)": lambda: CaseFilter(category=rng.choice(list(CaseCategory)), overdue=True),
        }
        for name, make in kinds.items():
            times = []
            for _ in range(samples):
                principal = Principal("bench", frozenset({"caseworker"}), rng.choice(COUNTIES))
                t = time.perf_counter()
                await list_cases(conn, principal, make(), 50, None, utcnow())
                times.append((time.perf_counter() - t) * 1000)
            results.append((name, _percentile(times, 0.5), _percentile(times, 0.95)))
        month = month_of(utcnow())
        first = month_of(utcnow() - timedelta(days=46))
        for level in ("province", "city", "county", "township", "village"):
            times = []
            for _ in range(max(10, samples // 10)):
                principal = Principal("bench", frozenset({"caseworker"}), rng.choice(COUNTIES)[:2])
                t = time.perf_counter()
                await service_ledger(conn, principal, level, None, first, month)
                times.append((time.perf_counter() - t) * 1000)
            name = f"province ledger by {level} (a page of up to 500 places + totals, 2-3 months)"
            results.append((name, _percentile(times, 0.5), _percentile(times, 0.95)))
    finally:
        await conn.close()
    return results


async def _prepare(admin_dsn: str) -> str:
    from kite_casework.service import SERVICE
    from kite_common.db.migrations import migrate
    from kite_common.db.pool import connect
    from kite_common.localstack.infra import drop_database, ensure_database

    await drop_database(admin_dsn, "kite_bench_casework")
    dsn = await ensure_database(admin_dsn, "kite_bench_casework")
    conn = await connect(dsn)
    try:
        await migrate(conn, SERVICE.migrations())
    finally:
        await conn.close()
    return dsn


async def _run(admin_dsn: str, args: argparse.Namespace) -> None:
    from kite_common.localstack.infra import drop_database

    dsn = await _prepare(admin_dsn)
    try:
        print(f"seeding {args.cases:,} cases through the bulk path, {args.seed_batch} per transaction ...", flush=True)
        seconds = await _seed_cases(dsn, args.cases, args.seed_batch)
        bulk_rate = args.cases / seconds
        print(f"  {args.cases:,} cases in {seconds:,.1f} s ({bulk_rate:,.0f}/s)")
        print(f"reference: {args.uow_cases:,} more through the per-command path, {args.batch} per transaction ...")
        seconds = await _open_cases(dsn, args.uow_cases, args.batch)
        uow_rate = args.uow_cases / seconds
        print(f"  {uow_rate:,.0f}/s; the bulk path opens {bulk_rate / uow_rate:.1f}x as many per second")
        total = args.cases + args.uow_cases
        print(f"deadline worker: {args.due:,} more 一小时 cases, deadlines falling over 20 s ...", flush=True)
        lags = await _watch(dsn, args.due, args.batch)
        if lags:
            p50, p95 = statistics.median(lags), _percentile(lags, 0.95)
            verdict = "ok" if p95 < TARGET_LAG_P95_S else "OVER TARGET"
            print(f"  breaches {len(lags):,}/{args.due:,}; lag p50 {p50:.2f} s, p95 {p95:.2f} s ({verdict})")
        else:
            print("  no breach was written")
        print(f"reads at {total:,} cases ({args.samples} samples each):")
        for name, p50, p95 in await _reads(dsn, args.samples):
            verdict = "ok" if p95 < TARGET_QUERY_P95_MS else "over 50 ms"
            print(f"  {name:<48} p50 {p50:7.2f} ms  p95 {p95:7.2f} ms  ({verdict})")
    finally:
        if not args.keep:
            await drop_database(admin_dsn, "kite_bench_casework")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=500, help="cases per transaction on the per-command path")
    parser.add_argument("--seed-batch", type=int, default=5000, help="cases per transaction on the bulk path")
    parser.add_argument("--uow-cases", type=int, default=5000, help="cases opened on the per-command path")
    parser.add_argument("--due", type=int, default=2000, help="cases whose deadlines fall during the run")
    parser.add_argument("--samples", type=int, default=300, help="queries per read kind")
    parser.add_argument("--keep", action="store_true", help="keep the bench database afterwards")
    args = parser.parse_args()
    for key, value in BENCH_KEYS.items():
        os.environ.setdefault(key, value)
    from kite_common.localstack.infra import start_embedded_postgres, stop_embedded_postgres

    admin_dsn = os.environ.get("DATABASE_URL")
    pg_dir = None
    if not admin_dsn:
        pg_dir = Path(tempfile.mkdtemp(prefix="kite-bench-casework-pg-"))
        print(f"starting an embedded PostgreSQL in {pg_dir} ...", flush=True)
        admin_dsn = start_embedded_postgres(pg_dir)
    try:
        asyncio.run(_run(admin_dsn, args))
    finally:
        if pg_dir is not None:
            stop_embedded_postgres(pg_dir)
            shutil.rmtree(pg_dir, ignore_errors=True)


if __name__ == "__main__":
    main()

"""Monitoring benchmark (`make bench`; not a test): the pairing proposal for one county of 50,000
households, against a plain SQL scan of the same rows.

    uv run python bench/monitoring_bench.py [--county-households 50000] [--other-households 450000]
                                           [--cadres 100000] [--runs 5]

Uses DATABASE_URL (an admin DSN: a database of its own is created and dropped) or starts an embedded
PostgreSQL. Fills the read models the proposal reads (households, household_incomes, cadres) with COPY:
the county's households with incomes spread over 3,000–15,000 yuan per person, the rest of a province
around it (default 450,000 more households: pass --other-households 1950000 for the province of
2,000,000 of the issue) and its cadres (default 100,000, a 40th of them in the county, a fifth
leading). Then times `propose` (the endpoint's query) and `SELECT … FROM household_incomes` of the
same county and year, median of --runs, and prints the ratio."""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shutil
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

COUNTY = "530621"
OTHER_COUNTIES = ("530602", "530622", "530623", "530624", "530625", "530626", "530627", "530628", "530629")
YEAR = 2025
TARGET_SECONDS = 5.0


def _village(county: str, i: int) -> str:
    return f"{county}{1 + i % 12:03d}{1 + i // 12 % 40:03d}"


async def _fill(dsn: str, county_households: int, other_households: int, cadres: int) -> None:
    from kite_common.db.pool import connect

    rng = random.Random(11)  # noqa: S311  (generated test data, not secrets)
    now = datetime.now(UTC)
    conn = await connect(dsn)
    try:
        households, incomes = [], []
        total = county_households + other_households
        for i in range(total):
            county = COUNTY if i < county_households else OTHER_COUNTIES[i % len(OTHER_COUNTIES)]
            hid, village, size = uuid.uuid4(), _village(county, i // 7), rng.randint(1, 6)
            per_capita = rng.randint(3_000, 15_000)
            households.append((hid, village, "户主", None, False, False, None, False, None, now, 1))
            incomes.append((hid, YEAR, per_capita * size, size, per_capita, village, now))
        await conn.copy_records_to_table(
            "households",
            records=households,
            columns=[
                "household_id", "division_code", "head_name", "address", "poverty_registered", "relocated",
                "relocation_site", "monitored", "monitoring_category", "registered_at", "version",
            ],
        )  # fmt: skip
        await conn.copy_records_to_table(
            "household_incomes",
            records=incomes,
            columns=[
                "household_id", "year", "total_income", "household_size", "per_capita_income", "division_code",
                "reported_at",
            ],
        )  # fmt: skip
        rows = []
        in_county = cadres // 40
        for i in range(cadres):
            county = COUNTY if i < in_county else OTHER_COUNTIES[i % len(OTHER_COUNTIES)]
            rank = "leading" if i % 5 == 0 else "ordinary"
            place = _village(county, i)[: 9 if i % 3 else 12]  # a township's or a village's organisation
            rows.append((uuid.uuid4(), f"干部{i}", rank, "单位", place, 0, 1))
        await conn.copy_records_to_table(
            "cadres",
            records=rows,
            columns=["cadre_id", "name", "rank", "organisation", "organisation_code", "load", "version"],
        )
        await conn.execute("ANALYZE households; ANALYZE household_incomes; ANALYZE cadres")
    finally:
        await conn.close()


async def _time(dsn: str, runs: int) -> tuple[list[float], list[float], int, int]:
    from kite_common.db.pool import connect
    from kite_roster.monitoring.adapters.pairing_proposal import propose
    from kite_roster.monitoring.adapters.policy import all_rules

    conn = await connect(dsn)
    try:
        rules = await all_rules(conn)
        proposal_s, scan_s, proposed, scanned = [], [], 0, 0
        for _ in range(runs):
            started = time.perf_counter()
            async with conn.transaction():
                proposed = len(await propose(conn, COUNTY, YEAR, rules))
            proposal_s.append(time.perf_counter() - started)
            started = time.perf_counter()
            scanned = len(
                await conn.fetch(
                    """SELECT household_id, division_code, per_capita_income FROM household_incomes
                       WHERE year = $1 AND division_code LIKE $2""",
                    YEAR,
                    COUNTY + "%",
                )
            )
            scan_s.append(time.perf_counter() - started)
        return proposal_s, scan_s, proposed, scanned
    finally:
        await conn.close()


async def _prepare(admin_dsn: str) -> str:
    from kite_common.db.migrations import migrate
    from kite_common.db.pool import connect
    from kite_common.localstack.infra import drop_database, ensure_database
    from kite_roster.service import SERVICE

    await drop_database(admin_dsn, "kite_bench_monitoring")
    dsn = await ensure_database(admin_dsn, "kite_bench_monitoring")
    conn = await connect(dsn)
    try:
        await migrate(conn, SERVICE.migrations())
    finally:
        await conn.close()
    return dsn


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--county-households", type=int, default=50_000)
    parser.add_argument("--other-households", type=int, default=450_000)
    parser.add_argument("--cadres", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    from kite_common.localstack.infra import drop_database, start_embedded_postgres, stop_embedded_postgres

    work = Path(tempfile.mkdtemp(prefix="kite-bench-monitoring-"))
    admin_dsn = os.environ.get("DATABASE_URL")
    pg_dir = None
    if not admin_dsn:
        pg_dir = work / "pg"
        admin_dsn = start_embedded_postgres(pg_dir)
    try:
        dsn = asyncio.run(_prepare(admin_dsn))
        started = time.perf_counter()
        asyncio.run(_fill(dsn, args.county_households, args.other_households, args.cadres))
        print(
            f"filled {args.county_households + args.other_households:,} households and {args.cadres:,} cadres "
            f"in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        proposal_s, scan_s, proposed, scanned = asyncio.run(_time(dsn, args.runs))
    finally:
        asyncio.run(drop_database(admin_dsn, "kite_bench_monitoring"))
        if pg_dir is not None:
            stop_embedded_postgres(pg_dir)
        shutil.rmtree(work, ignore_errors=True)
    proposal, scan = statistics.median(proposal_s), statistics.median(scan_s)
    print(f"county {COUNTY}: {scanned:,} households with a {YEAR} income, {proposed:,} pairings proposed")
    print(f"pairing proposal  median {proposal * 1000:8.1f} ms  (target < {TARGET_SECONDS:.0f} s)")
    print(f"plain SQL scan    median {scan * 1000:8.1f} ms")
    print(f"ratio proposal / scan: {proposal / scan:.1f}x")
    if proposal > TARGET_SECONDS:
        raise SystemExit("the proposal is slower than its target")


if __name__ == "__main__":
    main()

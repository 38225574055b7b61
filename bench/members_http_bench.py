"""POST /members benchmark (not a test): roster's real app registering fresh valid members, CONCURRENCY
requests in flight, against a FastAPI hello-world POST, each served by one uvicorn process (the
hello-world one as bench/http_servers.py serves it, roster as `kite run roster` does: both write an
access log line per request), interleaved rounds in the same run, medians; then roster's latency
offered open-loop at half the rate it reached.

The load comes from this process (keep-alive connections, requests made beforehand: bench/http_load.py),
sharing the cores with the servers and PostgreSQL. CPU per request is read from /proc: the server
process, the PostgreSQL backends connected to the bench's database (roster's pool), and this process.

    uv run python bench/members_http_bench.py [--seconds 5] [--rounds 3] [--latency-seconds 10]
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import os
import statistics
from collections.abc import Iterator
from dataclasses import dataclass

from http_bench import Server, cpu_seconds
from http_load import Outcome, closed_loop, open_loop, post
from kite_common.auth.tokens import issue_dev_token
from kite_common.db.migrations import migrate
from kite_common.db.pool import connect
from kite_common.testing.stack import TEST_SECRETS
from members import request_bodies
from write_path import run_with_database

CONCURRENCY = 64
TARGET_RATIO = 0.25
TARGET_P99_MS = 50


def _echo_requests() -> Iterator[bytes]:
    return itertools.repeat(post("/echo", {"title": "春风行动", "count": 3}))


def _member_requests(ready: int) -> Iterator[bytes]:
    token = issue_dev_token(TEST_SECRETS["KITE_AUTH_JWT_SECRET"], roles=["registrar"], jurisdiction="", subject="bench")
    headers = {"Authorization": f"Bearer {token}"}
    made = (post("/members", body, headers) for body in request_bodies())
    return itertools.chain(list(itertools.islice(made, ready)), made)  # the rest as they are taken


@dataclass
class Cpu:
    """CPU ms per request: the server process, the PostgreSQL backends of its pool, this load generator."""

    server: float
    postgres: float
    client: float


async def _backends(dsn: str) -> list[int]:
    """The PostgreSQL backends connected to the bench's database (the server's pool), but this one."""
    conn = await connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await conn.close()
    return [int(r["pid"]) for r in rows]


def _cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):  # gone, or not ours to read
            total += cpu_seconds(pid)
    return total


async def _round(server: Server, requests: Iterator[bytes], seconds: float, dsn: str) -> tuple[Outcome, Cpu]:
    """The closed-loop outcome and where its CPU went, per request."""
    backends = await _backends(dsn)
    me = os.getpid()
    cpu0, pg0, me0 = cpu_seconds(server.proc.pid), _cpu_of(backends), cpu_seconds(me)
    out = await closed_loop("127.0.0.1", server.port, requests, CONCURRENCY, seconds)
    n = max(1, out.requests)
    return out, Cpu(
        server=(cpu_seconds(server.proc.pid) - cpu0) * 1000 / n,
        postgres=(_cpu_of(backends) - pg0) * 1000 / n,
        client=(cpu_seconds(me) - me0) * 1000 / n,
    )


def _refused(out: Outcome, ok: int) -> int:
    return sum(n for status, n in out.statuses.items() if status != ok)


async def run(dsn: str, seconds: float, rounds: int, latency_seconds: float, ready: int) -> None:
    from kite_roster.service import SERVICE

    conn = await connect(dsn)
    await migrate(conn, SERVICE.migrations())
    await conn.close()
    env = {**os.environ, **TEST_SECRETS, "DATABASE_URL": dsn}
    plain, roster = Server("plain", env), Server("roster", env)
    members = _member_requests(ready)
    load = {"plain": (plain, _echo_requests()), "roster": (roster, members)}
    results: dict[str, list[tuple[Outcome, Cpu]]] = {"plain": [], "roster": []}
    try:
        for server, requests in load.values():
            await server.ready()
            await _round(server, requests, 1, dsn)  # warm up: connections, prepared statements
        for _ in range(rounds):
            for name, (server, requests) in load.items():
                results[name].append(await _round(server, requests, seconds, dsn))
        rate = {k: statistics.median(o.rate for o, _ in v) for k, v in results.items()}
        cpu = {
            k: Cpu(*(statistics.median(getattr(c, f) for _, c in v) for f in ("server", "postgres", "client")))
            for k, v in results.items()
        }
        offered = rate["roster"] / 2
        latency = await open_loop("127.0.0.1", roster.port, members, offered, latency_seconds, CONCURRENCY)
    finally:
        plain.stop()
        roster.stop()
    refused = {k: sum(_refused(o, 201) for o, _ in v) for k, v in results.items()}
    print(f"\nPOST /members: {CONCURRENCY} in flight, {seconds:g} s rounds, median of {rounds} rounds")
    print(f"{'':<36}{'':>9}{'':>8}{'CPU ms per request':^30}")
    print(f"{'server':<36}{'req/s':>9}{'ratio':>8}{'server':>10}{'postgres':>10}{'client':>10}{'not 201':>9}")
    for name, label in (("plain", "FastAPI hello-world POST (reference)"), ("roster", "roster POST /members")):
        c = cpu[name]
        print(
            f"{label:<36}{rate[name]:>9.0f}{rate[name] / rate['plain']:>7.2f}x"
            f"{c.server:>10.2f}{c.postgres:>10.2f}{c.client:>10.2f}{refused[name]:>9}"
        )
    # Why the ratio is what it is: one server process cannot answer faster than one core allows it.
    needed = TARGET_RATIO * rate["plain"]
    print(
        f"one roster process on a whole core: at most {1000 / cpu['roster'].server:.0f}/s at "
        f"{cpu['roster'].server:.2f} ms; {TARGET_RATIO:.2f}x is {needed:.0f}/s, at most "
        f"{1000 / needed:.2f} ms each; with PostgreSQL and the client, {needed:.0f}/s would take "
        f"{needed * (cpu['roster'].server + cpu['roster'].postgres + cpu['roster'].client) / 1000:.2f} "
        f"of the machine's {os.cpu_count()} cores"
    )
    print(
        f"roster offered {offered:.0f}/s open-loop for {latency_seconds:g} s (half its rate above): "
        f"p50 {latency.percentile(0.5) * 1000:.0f} ms, p99 {latency.percentile(0.99) * 1000:.0f} ms, "
        f"{latency.requests / latency.seconds:.0f}/s answered, not 201: {_refused(latency, 201)}"
    )
    print(f"targets: ratio at least {TARGET_RATIO:.2f}x; p99 under {TARGET_P99_MS} ms at half the rate")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--latency-seconds", type=float, default=10)
    parser.add_argument("--members", type=int, default=20_000, help="requests made before the clock starts")
    args = parser.parse_args()
    run_with_database(
        "kite_bench_members_http",
        lambda dsn: run(dsn, args.seconds, args.rounds, args.latency_seconds, args.members),
    )


if __name__ == "__main__":
    main()

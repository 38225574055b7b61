"""End-to-end benchmark (not a test): registrations offered at a steady rate to the whole system as
`kite up` runs it (every service its own processes, embedded PostgreSQL, the Tansu broker), and how
long each member waits for the welcome notice in notify's in-app inbox after roster's 201.

The load is open: request i is due at start + i / rate whatever became of the others (so a slow
system is offered the same load; at most 256 in flight, a request waiting for one of them is late
and its latency counts from when it was due), each with its own ID number, one token for all. The welcome's
time is the in-app row's `created_at`, stamped by notify's consumer in the transaction that writes
it (the relay's lag, the broker and the consumer's batching are all in it). Also printed: the CPU
each service's processes (API, relay, consumers) and PostgreSQL spent per accepted registration.

Targets: 200 registrations/s offered for 60 s all accepted; welcome p95 within 200 ms of the 201.

    uv run python bench/e2e_bench.py                       # 200/s for 60 s
    uv run python bench/e2e_bench.py --rate 50 --seconds 20
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import os
import statistics
import tempfile
import time
import uuid
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import psutil
from chaos import ALL, COUNTY, Stack, _port_base, _ready, _unique_id, say
from http_load import open_loop, post
from kite_common.auth.tokens import issue_dev_token
from kite_common.dsn import with_database
from kite_common.localstack.infra import start_embedded_postgres

CONNECTIONS = 256  # at most this many requests in flight; a request waiting for one is late


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _cpu_by_service(stack: Stack) -> dict[str, float]:
    """CPU seconds so far of each service's processes, of PostgreSQL (its server and backends) and
    of the broker."""
    assert stack.process is not None
    procs: dict[int, str] = {}
    for proc in psutil.Process(stack.process.pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):
            cmd = proc.cmdline()
            name = cmd[-1] if cmd[-2:-1] == ["run"] and cmd[-1] in ALL else "broker" if "broker" in cmd else "other"
            procs[proc.pid] = name
    for proc in psutil.process_iter(["cmdline"]):
        if str(stack.pgdata) in " ".join(proc.info["cmdline"] or ()):
            procs[proc.pid] = "postgresql"
            with contextlib.suppress(psutil.Error):
                for child in proc.children(recursive=True):
                    procs[child.pid] = "postgresql"
    totals: dict[str, float] = {}
    for pid, name in procs.items():
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(pid).cpu_times()
            totals[name] = totals.get(name, 0.0) + t.user + t.system
    return totals


async def _load(
    stack: Stack, rate: float, seconds: float, first: int
) -> tuple[dict[uuid.UUID, float], list[float], Counter[str]]:
    """Accepted registrations (member id → wall-clock time of the 201), HTTP latencies, refusals by
    status (or the client's error). Members are numbered from `first`: each load its own people, from
    the county's villages in turn (one village's people would all move the same ledger counters).
    The load comes from bench/http_load.py: httpx's pool, at 256 connections, spent more CPU than the
    server it measured and capped the rate it could offer."""
    token = issue_dev_token(stack.secret(), roles=["registrar"], jurisdiction=COUNTY, subject="bench")
    headers = {"Authorization": f"Bearer {token}"}
    accepted: dict[uuid.UUID, float] = {}

    def body(seq: int) -> dict[str, object]:
        return {
            "name": f"压测{seq}",
            "id_number": _unique_id(seq),
            "phone": f"139{seq:08d}",
            "origin_division_code": f"{COUNTY}{100 + seq % 16:03d}{(seq // 16) % 30 + 1:03d}",
            "current_city": "杭州",
            "skills": ["电工"],
        }

    def answered(_: int, status: int, answer: bytes) -> None:
        if status == 201:
            accepted[uuid.UUID(json.loads(answer)["member_id"])] = time.time()

    requests = (post("/members", body(first + seq), headers) for seq in itertools.count())
    url = httpx.URL(stack.url("roster"))
    out = await open_loop(url.host, url.port or 80, requests, rate, seconds, CONNECTIONS, answered)
    refused = Counter({str(status): n for status, n in out.statuses.items() if status != 201})
    refused.update(out.errors)
    return accepted, out.latencies, refused


async def _welcomes(notify_dsn: str, members: list[uuid.UUID]) -> dict[uuid.UUID, float]:
    conn = await asyncpg.connect(notify_dsn)
    try:
        rows = await conn.fetch(
            """SELECT member_id, min(created_at) AS at FROM member_inbox
               WHERE kind = 'welcome' AND member_id = ANY($1::uuid[]) GROUP BY member_id""",
            members,
        )
    finally:
        await conn.close()
    return {r["member_id"]: r["at"].timestamp() for r in rows}


async def main(args: argparse.Namespace) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="kite-e2e-"))
    stack = Stack(data_dir, _port_base())
    say(f"starting kite up in {data_dir} …")
    stack.start()
    try:
        await _ready(stack)
        notify_dsn = with_database(start_embedded_postgres(stack.pgdata), "kite_notify")
        await _load(stack, 20, 2, 100_000)  # warm up: connections, prepared statements, consumer groups joined
        await asyncio.sleep(5)
        # What the system burns doing nothing (consumers' empty fetches, workers' polls, the broker):
        # part of every figure below, in proportion to how long the run took.
        idle_before, idle_started = _cpu_by_service(stack), time.perf_counter()
        await asyncio.sleep(args.idle)
        idle_after, idle_seconds = _cpu_by_service(stack), time.perf_counter() - idle_started
        say(f"offering {args.rate:g} registrations/s for {args.seconds:g} s …")
        cpu_before, measured_from = _cpu_by_service(stack), time.perf_counter()
        client_before = sum(psutil.Process().cpu_times()[:2])
        started = time.perf_counter()
        accepted, latencies, refused = await _load(stack, args.rate, args.seconds, 200_000)
        load_time = time.perf_counter() - started
        members = list(accepted)
        deadline = time.monotonic() + args.settle
        welcomed = await _welcomes(notify_dsn, members)
        while len(welcomed) < len(members) and time.monotonic() < deadline:
            await asyncio.sleep(1)
            welcomed = await _welcomes(notify_dsn, members)
        cpu_after, measured_seconds = _cpu_by_service(stack), time.perf_counter() - measured_from
        client = sum(psutil.Process().cpu_times()[:2]) - client_before
    finally:
        stack.stop()
    lags = [welcomed[m] - accepted[m] for m in members if m in welcomed]
    offered = int(args.rate * args.seconds)
    print(f"\nEnd to end: {args.rate:g} registrations/s offered for {args.seconds:g} s through `kite up`")
    why = f" {dict(refused)}" if refused else ""
    rate = len(accepted) / load_time
    print(f"offered {offered}, accepted {len(accepted)} ({rate:.0f}/s), refused {sum(refused.values())}{why}")
    print(
        f"POST /members p50 {statistics.median(latencies) * 1000:.0f} ms, "
        f"p95 {_percentile(latencies, 0.95) * 1000:.0f} ms, p99 {_percentile(latencies, 0.99) * 1000:.0f} ms"
    )
    print(
        f"welcome notice after the 201: p50 {statistics.median(lags) * 1000:.0f} ms, "
        f"p95 {_percentile(lags, 0.95) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms; "
        f"{len(members) - len(welcomed)} not welcomed after {args.settle:g} s"
    )
    n = max(1, len(accepted))
    spent = {k: cpu_after.get(k, 0.0) - cpu_before.get(k, 0.0) for k in cpu_after}
    print("CPU per accepted registration: " + ", ".join(f"{k} {v / n * 1000:.1f} ms" for k, v in sorted(spent.items())))
    idle = {k: (idle_after.get(k, 0.0) - idle_before.get(k, 0.0)) / idle_seconds for k in idle_after}
    print("CPU when idle, per second: " + ", ".join(f"{k} {v * 1000:.1f} ms" for k, v in sorted(idle.items())))
    net = {k: spent[k] - idle.get(k, 0.0) * measured_seconds for k in spent}
    print(
        f"CPU per accepted registration less the idle burn over the {measured_seconds:.0f} s measured: "
        + ", ".join(f"{k} {v / n * 1000:.1f} ms" for k, v in sorted(net.items()))
        + f"; in all {sum(net.values()) / n * 1000:.1f} ms"
    )
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"the load generator (this process) {client / n * 1000:.1f} ms per registration; load average {load}")
    print("targets: all accepted at 200/s for 60 s; welcome p95 at most 200 ms")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--settle", type=float, default=60, help="how long to wait for the last welcomes")
    parser.add_argument("--idle", type=float, default=10, help="seconds of no load measured first: the idle burn")
    asyncio.run(main(parser.parse_args()))

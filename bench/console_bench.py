"""Console benchmark (`make bench`; not a test): page render times against the same reads through the
APIs directly, and the live dashboard's fan-out to many open pages.

    uv run python bench/console_bench.py [--members 1000000] [--pages 500] [--samples 200] [--pull-rounds 3]
                                         [--push-rounds 3]

Runs every part as its own server process, as the chart deploys them (`kite api <service>`, `kite
relay`/`kite consume`): roster's API, roster's relay and import worker, casework's API and the
console's API, each a `python -m kite_common.cli run <service> --roles …` on a real port, on
PostgreSQL and the broker (DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else embedded ones).
Casework runs no consumers: the pages timed read nothing they mirror. It imports N generated members
through the roster's import job, waits for the relay to publish them, then:
  1. times console pages (members list, a name search, a member page, the dashboard) for a 黎平
     county admin, and the same API calls each page makes (concurrently where the page makes them
     concurrently), with p50/p95 of each, and the CPU each page cost the console's process;
  2. opens P dashboards, each of its own signed-in user, following the server-sent events; registers
     members one after another and measures how long each event takes to reach every open page, and
     until every page holds its refreshed panel: first each page asking for it 150 ms after the
     signal (the reference: how console.js refreshed before panels were pushed), then pushed by the
     console in the stream (read once per key), p50/p95/max over all pages and the CPU per
     registration of the console's and roster's processes.

    --pull-rounds N / --push-rounds N: registrations timed each way (3 each; 0 skips one)
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from members import write_csv  # noqa: E402

COUNTY = "522631"  # 黎平县: the bench's generated members come from its counties
TARGET_P95_MS = 200
TARGET_FANOUT_S = 2.0


@dataclass
class ServerProcess:
    """One service role in a process of its own (`kite run <service> --roles …`), as deployed."""

    name: str
    roles: str
    env: dict[str, str]
    log: Path
    port: int | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "kite_common.cli", "run", self.name, "--roles", self.roles],
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def cpu_seconds(self) -> float:
        import psutil

        assert self.process is not None
        times = psutil.Process(self.process.pid).cpu_times()
        return float(times.user + times.system)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


async def _ready(servers: list[ServerProcess], timeout: float = 120) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as http:
        for server in servers:
            while True:
                assert server.process is not None
                if server.process.poll() is not None:
                    raise RuntimeError(f"{server.name} ({server.roles}) exited; see {server.log}")
                with contextlib.suppress(httpx.HTTPError):
                    if (await http.get(server.url + "/readyz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{server.name} not ready after {timeout:.0f} s; see {server.log}")
                await asyncio.sleep(0.3)


@contextlib.asynccontextmanager
async def _stack(infra: Any, prefix: str, logs: Path) -> AsyncIterator[dict[str, ServerProcess]]:
    """Roster (API; relay + import worker), casework (API) and the console (API), each its own process."""
    from kite_casework.service import SERVICE as CASEWORK
    from kite_common.localstack.infra import free_port
    from kite_common.testing.stack import TEST_SECRETS
    from kite_console.service import SERVICE as CONSOLE
    from kite_roster.service import SERVICE as ROSTER

    dsns = {s.name: await infra.fresh_database(s) for s in (ROSTER, CASEWORK, CONSOLE)}
    ports = {name: free_port() for name in dsns}
    base = {k: v for k, v in os.environ.items() if not k.startswith(("KAFKA_", "KITE_", "DATABASE_URL"))}
    base.update(TEST_SECRETS)
    base.update(
        KAFKA_BOOTSTRAP_SERVERS=infra.bootstrap,
        KAFKA_TOPIC_PREFIX=prefix,
        KITE_HTTP_HOST="127.0.0.1",
        KITE_HTTP_DRAIN_SECONDS="0",
        KITE_CONSOLE_DEV_SIGN_IN="true",
        **{f"KITE_SERVICE_URL_{name.upper()}": f"http://127.0.0.1:{port}" for name, port in ports.items()},
    )

    def server(name: str, roles: str) -> ServerProcess:
        env = {
            **base,
            "DATABASE_URL": dsns[name],
            "KITE_HTTP_PORT": str(ports[name]),
            "KITE_HEARTBEAT_FILE": str(logs / f"{name}-{roles.replace(',', '-')}.heartbeat"),
        }
        return ServerProcess(name, roles, env, logs / f"{name}-{roles.replace(',', '-')}.log", ports[name])

    servers = {
        "roster": server("roster", "api"),
        "roster-worker": server("roster", "relay,consume"),
        "casework": server("casework", "api"),
        "console": server("console", "api"),
    }
    try:
        for s in servers.values():
            s.start()
        await _ready([servers["roster"], servers["casework"], servers["console"]])
        yield servers
    finally:
        for s in servers.values():
            s.stop()
        for dsn in dsns.values():
            await infra.drop(dsn)


async def _chunks(path: Path, size: int = 1 << 20):  # type: ignore[no-untyped-def]
    with path.open("rb") as f:
        while chunk := f.read(size):
            yield chunk


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


async def _time(call: Callable[[], Awaitable[object]], samples: int) -> list[float]:
    for _ in range(5):  # warm caches and connections
        await call()
    out = []
    for _ in range(samples):
        start = time.perf_counter()
        await call()
        out.append((time.perf_counter() - start) * 1000)
    return out


async def _import(roster: ServerProcess, rows: int, out: Any) -> None:
    import asyncpg
    import httpx
    from kite_common.testing.stack import auth

    with tempfile.TemporaryDirectory() as tmp:
        path = write_csv(Path(tmp) / "members.csv", rows)
        out.print(f"importing {rows:,} members ({path.stat().st_size / 1e6:.0f} MB) through the roster …")
        started = time.perf_counter()
        async with httpx.AsyncClient(base_url=roster.url, headers=auth(["registrar"], ""), timeout=600) as http:
            job = (
                await http.post(
                    "/imports",
                    params={"filename": "bench.csv"},
                    content=_chunks(path),
                    headers={"Content-Type": "text/csv"},
                )
            ).json()
            while job["status"] not in ("done", "failed"):
                await asyncio.sleep(2)
                job = (await http.get(f"/imports/{job['job_id']}")).json()
    out.print(f"import {job['status']}: {job['counts']} in {time.perf_counter() - started:.0f} s")
    # Time the pages on a quiet system: after the relay has published the import's events (and the
    # console's live feed has read them).
    conn = await asyncpg.connect(roster.env["DATABASE_URL"])
    try:
        while await conn.fetchval("SELECT count(*) FROM outbox"):  # noqa: ASYNC110 - waiting it out
            await asyncio.sleep(2)
        await conn.execute("VACUUM ANALYZE")  # as autovacuum would by now on a system that has run a while
    finally:
        await conn.close()
    out.print(f"roster's events published after {time.perf_counter() - started:.0f} s")


async def run(rows: int, pages: int, samples: int, pull_rounds: int = 3, push_rounds: int = 3) -> None:
    import httpx
    from kite_common.testing.stack import TEST_SECRETS, Infra, auth
    from rich.console import Console
    from rich.table import Table

    for key, value in TEST_SECRETS.items():
        os.environ.setdefault(key, value)
    out = Console(width=160)
    infra = Infra.start()
    prefix = f"bench{int(time.time())}."
    try:
        with tempfile.TemporaryDirectory(prefix="kite-console-bench-") as logs:
            async with _stack(infra, prefix, Path(logs)) as servers:
                roster, casework, console = servers["roster"], servers["casework"], servers["console"]
                await _import(roster, rows, out)
                api_headers = auth(["admin"], COUNTY, subject="dev-522631-admin")
                limits = httpx.Limits(max_connections=20, max_keepalive_connections=20, keepalive_expiry=2)
                async with (
                    httpx.AsyncClient(base_url=console.url, timeout=60, limits=limits) as web,
                    httpx.AsyncClient(timeout=60, headers=api_headers, limits=limits) as api,
                ):
                    page = await web.get("/signin")
                    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                    await web.post("/signin/dev", data={"user": f"{COUNTY}-admin", "csrf_token": token})
                    csrf = (await web.get("/members")).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                    cases = await _cases(web, api, roster.url, casework.url, csrf)
                    table = Table(
                        title=f"console pages vs the same API calls directly ({rows:,} members, {samples} samples)"
                    )
                    columns = ("page", "console p50 ms", "console p95 ms", "API p50 ms", "API p95 ms", "console CPU ms")
                    for column in columns:
                        table.add_column(column, justify="right" if column != "page" else "left")
                    for name, page_call, api_call in cases:
                        cpu_before = console.cpu_seconds()
                        page_ms = await _time(page_call, samples)
                        cpu_ms = (console.cpu_seconds() - cpu_before) * 1000 / (samples + 5)
                        api_ms = await _time(api_call, samples)
                        table.add_row(
                            name,
                            f"{statistics.median(page_ms):.1f}",
                            f"{_percentile(page_ms, 0.95):.1f}",
                            f"{statistics.median(api_ms):.1f}",
                            f"{_percentile(api_ms, 0.95):.1f}",
                            f"{cpu_ms:.1f}",
                        )
                    out.print(table)
                    out.print(
                        f"target: every page p95 < {TARGET_P95_MS} ms; console CPU ms = the console process's CPU "
                        f"per page (its own cost, whatever the machine's load); load average {os.getloadavg()}"
                    )
                    await _fanout(console, roster, pages, pull_rounds, push_rounds, out)
    finally:
        await infra.drop_templates()
        infra.stop()


async def _cases(web: Any, api: Any, roster: str, casework: str, csrf: str) -> list[tuple[str, Any, Any]]:
    """(page, the console's page, the API calls it makes, made directly)."""
    listed = (await api.get(f"{roster}/members", params={"limit": 1})).json()["items"]
    member = listed[0]["member_id"] if listed else None
    surname = listed[0]["name"][:1] if listed else "王"
    cases: list[tuple[str, Any, Any]] = [
        (
            "人员列表 /members",
            lambda: web.get("/members"),
            lambda: api.get(f"{roster}/members", params={"status": "active", "sort": "-registered", "limit": 50}),
        ),
        (
            "按姓名查询",
            lambda: web.post(
                "/members/search", data={"csrf_token": csrf, "name": surname, "status": "active", "sort": "name"}
            ),
            lambda: api.get(
                f"{roster}/members", params={"name": surname, "status": "active", "sort": "name", "limit": 50}
            ),
        ),
        (
            "台账 /dashboard",
            lambda: web.get("/dashboard"),
            lambda: asyncio.gather(
                api.get(
                    f"{roster}/ledgers/registration",
                    params={"by": "origin", "origin": COUNTY, "level": "township", "limit": 200},
                ),
                api.get(f"{casework}/ledgers/service/statuses", params={"area": COUNTY}),
            ),
        ),
    ]

    async def member_reads() -> None:  # what the member page reads: three at once, then what the member names
        found, _, _ = await asyncio.gather(
            api.get(f"{roster}/members/{member}"),
            api.get(f"{roster}/members/{member}/movements"),
            api.get(f"{casework}/cases", params={"member_id": member}),
        )
        then = [f"{roster}/party-members/{member}"] if found.json()["is_party_member"] else []
        then += [f"{roster}/households/{h}"] if (h := found.json().get("household_id")) else []
        await asyncio.gather(*(api.get(url) for url in then))

    if member:
        cases.append(("人员页 /members/{id}", lambda: web.get(f"/members/{member}"), member_reads))
    return cases


async def _sign_in(console: str, user: str) -> str:
    """A console session of a dev user, as a browser gets it: its cookie's value."""
    import httpx

    async with httpx.AsyncClient(base_url=console, timeout=60) as web:
        page = await web.get("/signin")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        await web.post("/signin/dev", data={"user": user, "csrf_token": token})
        return str(web.cookies["kite_session"])


async def _fanout(
    console: ServerProcess, roster: ServerProcess, pages: int, pull_rounds: int, push_rounds: int, out: Any
) -> None:
    """P dashboards, each its own signed-in user (session, token), following `/live`. Measured from
    the roster's answer to a registration, over all pages: the signal reaching every page (5
    registrations); then, as the reference, every page holding its refreshed panel when each asks for
    it 150 ms after the signal (the console before it pushed panels: P panel reads, each with its own
    token); then the same pages following `/live` for their ledger and area, every page holding the
    panel the console pushes (read once for the P pages' one key). A pushed panel counts only once it
    shows the registration (its total above the last one the page held)."""
    import httpx
    from kite_common.testing.stack import auth
    from kite_roster.shared.identity import check_digit

    sessions = [await _sign_in(console.url, f"{COUNTY}-admin") for _ in range(pages)]
    # Idle connections let go before the server closes them (uvicorn: 5 s); a browser would retry a GET
    # that met one closing, httpx does not.
    limits = httpx.Limits(max_connections=2 * pages + 10, max_keepalive_connections=2 * pages + 10, keepalive_expiry=2)
    signals: list[list[float]] = [[] for _ in range(pages)]
    refreshed: list[list[float]] = [[] for _ in range(pages)]
    pushed: list[list[float]] = [[] for _ in range(pages)]
    totals = [-1] * pages
    refreshing = False
    connected = 0
    async with httpx.AsyncClient(base_url=console.url, timeout=httpx.Timeout(60, read=None), limits=limits) as web:

        def cookie(i: int) -> dict[str, str]:
            return {"Cookie": f"kite_session={sessions[i]}"}

        async def refresh(i: int) -> None:
            await asyncio.sleep(0.15)
            panel = await web.get(
                "/dashboard/panel", params={"ledger": "registration", "origin": COUNTY}, headers=cookie(i)
            )
            if panel.status_code == 200 and 'id="panel"' in panel.text:
                refreshed[i].append(time.perf_counter())

        async def listen(i: int, params: dict[str, str]) -> None:
            nonlocal connected
            pending: set[asyncio.Task[None]] = set()
            async with web.stream("GET", "/live", params=params, headers=cookie(i)) as stream:
                async for line in stream.aiter_lines():
                    if line == ": connected":
                        connected += 1
                    elif line == "data: roster":
                        signals[i].append(time.perf_counter())
                        if refreshing:
                            task = asyncio.create_task(refresh(i))
                            pending.add(task)
                            task.add_done_callback(pending.discard)
                    elif 'id="total-members">' in line:  # a pushed panel's counter
                        total = int(line.split('id="total-members">', 1)[1].split("<", 1)[0])
                        if total > totals[i]:
                            if totals[i] >= 0:
                                pushed[i].append(time.perf_counter())
                            totals[i] = total

        async def follow(params: dict[str, str]) -> list[asyncio.Task[None]]:
            nonlocal connected
            connected = 0
            tasks = [asyncio.create_task(listen(i, params)) for i in range(pages)]
            while connected < pages:  # noqa: ASYNC110 - the bench watches the pages connect
                await asyncio.sleep(0.1)
            return tasks

        async def close(tasks: list[asyncio.Task[None]]) -> None:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        # Born before 1961: none of the generated members is (bench/members.py); new each run on a database reused.
        born = date(1930, 1, 1) + timedelta(days=int(time.time()) % 11_000)
        cpu: dict[str, float] = {}
        async with httpx.AsyncClient(base_url=roster.url, headers=auth(["registrar"], COUNTY), timeout=30) as http:

            async def register(seq: int) -> float:
                first17 = f"{COUNTY}{born:%Y%m%d}{seq:03d}"
                body = {
                    "name": "测试",
                    "id_number": first17 + check_digit(first17),
                    "phone": f"137{seq:08d}",
                    "origin_division_code": f"{COUNTY}101001",
                    "current_city": "杭州",
                }
                answer = await http.post("/members", json=body)
                assert answer.status_code == 201, answer.text
                return time.perf_counter()

            async def rounds(what: str, count: int, first_seq: int, arrivals: list[list[float]]) -> list[float]:
                latencies: list[float] = []
                console_cpu, roster_cpu = console.cpu_seconds(), roster.cpu_seconds()
                for n in range(count):
                    before = [len(a) for a in arrivals]
                    answered = await register(first_seq + n)
                    deadline = time.perf_counter() + 60
                    while time.perf_counter() < deadline and any(  # noqa: ASYNC110 - measuring arrivals
                        len(a) <= b for a, b in zip(arrivals, before, strict=True)
                    ):
                        await asyncio.sleep(0.02)
                    latencies += [a[b] - answered for a, b in zip(arrivals, before, strict=True) if len(a) > b]
                    await asyncio.sleep(1)
                if count:
                    cpu[what] = (console.cpu_seconds() - console_cpu) / count
                    cpu[what + " (roster API)"] = (roster.cpu_seconds() - roster_cpu) / count
                return latencies

            tasks = await follow({})
            to_signal = await rounds("signal", 5, 900, signals)
            refreshing = True
            to_panel = await rounds("pull", pull_rounds, 950, refreshed)
            await close(tasks)
            tasks = await follow({"ledger": "registration", "origin": COUNTY})
            await register(970)  # a first push gives every page the total it then holds
            deadline = time.perf_counter() + 60
            while any(t < 0 for t in totals) and time.perf_counter() < deadline:  # noqa: ASYNC110
                await asyncio.sleep(0.1)
            await asyncio.sleep(1)
            to_push = await rounds("push", push_rounds, 975, pushed)
            await close(tasks)
    for what, count, latencies in (
        ("the signal reached the page", 5, to_signal),
        (
            "the page held its refreshed panel, each page asking for it (reference: before the push)",
            pull_rounds,
            to_panel,
        ),
        ("the page held its refreshed panel, pushed (read once per key)", push_rounds, to_push),
    ):
        if not count:
            continue
        out.print(
            f"live dashboard, {pages} open pages × {count} registrations: {what} {len(latencies)}/{pages * count}; "
            f"after the roster's answer p50 {statistics.median(latencies):.2f} s, "
            f"p95 {_percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s"
        )
    out.print(
        "CPU per registration, s: "
        + ", ".join(f"{what} {seconds:.2f}" for what, seconds in cpu.items())
        + f"; load average {os.getloadavg()}"
    )
    out.print(f"target: the signal, and the refreshed panel, at every page within {TARGET_FANOUT_S} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--members", "--rows", dest="rows", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--pull-rounds", type=int, default=3, help="registrations with each page asking (reference)")
    parser.add_argument("--push-rounds", type=int, default=3, help="registrations with the panels pushed")
    args = parser.parse_args()
    os.environ.setdefault("KITE_CRYPTO_DATA_KEYS", "bench:" + base64.b64encode(b"b" * 32).decode())
    asyncio.run(run(args.rows, args.pages, args.samples, args.pull_rounds, args.push_rounds))


if __name__ == "__main__":
    main()

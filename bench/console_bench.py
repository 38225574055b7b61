"""Console benchmark (`make bench`; not a test): page render times against the same reads through the
APIs directly, and the live dashboard's fan-out to many open pages.

    uv run python bench/console_bench.py [--rows 1000000] [--pages 500] [--samples 200]

Starts roster (API, relay, import worker), casework and the console on real ports (DATABASE_URL /
KAFKA_BOOTSTRAP_SERVERS when set, else embedded ones), imports N generated members through the
roster's import job, then:
  1. times console pages (members list, a name search, a member page, the dashboard) for a 黎平
     county user, and the API calls each page makes, with p50/p95 of each;
  2. opens P server-sent-event streams of the dashboard, registers members one after another and
     measures how long each event takes to reach every open page (p50/p95/max over all pages).
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from members import write_csv  # noqa: E402

COUNTY = "522631"  # 黎平县: the bench's generated members come from its counties
TARGET_P95_MS = 200
TARGET_FANOUT_S = 2.0


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


async def run(rows: int, pages: int, samples: int) -> None:
    import httpx
    from kite_casework.service import SERVICE as CASEWORK
    from kite_common.testing.stack import TEST_SECRETS, Infra, auth, running
    from kite_console.service import SERVICE as CONSOLE
    from kite_roster.service import SERVICE as ROSTER
    from rich.console import Console
    from rich.table import Table

    for key, value in TEST_SECRETS.items():
        os.environ.setdefault(key, value)
    out = Console()
    infra = Infra.start()
    prefix = f"bench{int(time.time())}."
    try:
        async with running(infra, ROSTER, prefix) as roster, running(infra, CASEWORK, prefix) as casework:
            os.environ.update(
                KITE_SERVICE_URL_ROSTER=roster.base_url,
                KITE_SERVICE_URL_CASEWORK=casework.base_url,
                KITE_CONSOLE_DEV_SIGN_IN="true",
            )
            async with running(infra, CONSOLE, prefix, roles=("api",)) as console:
                api_headers = auth(["admin"], COUNTY, subject="dev-522631-admin")
                with tempfile.TemporaryDirectory() as tmp:
                    path = write_csv(Path(tmp) / "members.csv", rows)
                    out.print(f"importing {rows:,} members ({path.stat().st_size / 1e6:.0f} MB) through the roster …")
                    started = time.perf_counter()
                    async with roster.client(headers=auth(["registrar"], "")) as http:
                        job = (
                            await http.post(
                                "/imports",
                                params={"filename": "bench.csv"},
                                content=_chunks(path),
                                headers={"Content-Type": "text/csv"},
                                timeout=600,
                            )
                        ).json()
                        while job["status"] not in ("done", "failed"):
                            await asyncio.sleep(2)
                            job = (await http.get(f"/imports/{job['job_id']}")).json()
                    out.print(f"import {job['status']}: {job['counts']} in {time.perf_counter() - started:.0f} s")
                # Time the pages on a quiet system: after the relay has published the import's events
                # (and the console's live feed has read them).
                assert roster.pool is not None
                while await roster.pool.fetchval("SELECT count(*) FROM outbox"):  # noqa: ASYNC110 - waiting it out
                    await asyncio.sleep(2)
                out.print(f"roster's events published after {time.perf_counter() - started:.0f} s")

                async with (
                    httpx.AsyncClient(base_url=console.base_url, timeout=60) as web,
                    roster.client(headers=api_headers) as api,
                ):
                    page = await web.get("/signin")
                    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                    await web.post("/signin/dev", data={"user": f"{COUNTY}-admin", "csrf_token": token})
                    csrf = (await web.get("/members")).text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
                    listed = (await api.get("/members", params={"limit": 1})).json()["items"]
                    member = listed[0]["member_id"] if listed else None
                    surname = listed[0]["name"][:1] if listed else "王"
                    cases: list[tuple[str, Callable[[], Awaitable[object]], Callable[[], Awaitable[object]]]] = [
                        (
                            "人员列表 /members",
                            lambda: web.get("/members"),
                            lambda: api.get(
                                "/members", params={"status": "active", "sort": "-registered", "limit": 50}
                            ),
                        ),
                        (
                            "按姓名查询",
                            lambda: web.post(
                                "/members/search",
                                data={"csrf_token": csrf, "name": surname, "status": "active", "sort": "name"},
                            ),
                            lambda: api.get(
                                "/members", params={"name": surname, "status": "active", "sort": "name", "limit": 50}
                            ),
                        ),
                        (
                            "台账 /dashboard",
                            lambda: web.get("/dashboard"),
                            lambda: api.get(
                                "/ledgers/registration",
                                params={"by": "origin", "origin": COUNTY, "level": "township", "limit": 200},
                            ),
                        ),
                    ]
                    if member:
                        cases.append(
                            (
                                "人员页 /members/{id}",
                                lambda: web.get(f"/members/{member}"),
                                lambda: api.get(f"/members/{member}"),
                            )
                        )
                    table = Table(title=f"console pages vs the API directly ({rows:,} members, {samples} samples)")
                    for column in ("page", "console p50 ms", "console p95 ms", "API p50 ms", "API p95 ms"):
                        table.add_column(column, justify="right" if column != "page" else "left")
                    for name, page_call, api_call in cases:
                        page_ms = await _time(page_call, samples)
                        api_ms = await _time(api_call, samples)
                        table.add_row(
                            name,
                            f"{statistics.median(page_ms):.1f}",
                            f"{_percentile(page_ms, 0.95):.1f}",
                            f"{statistics.median(api_ms):.1f}",
                            f"{_percentile(api_ms, 0.95):.1f}",
                        )
                    out.print(table)
                    out.print(f"target: every page p95 < {TARGET_P95_MS} ms")

                    await _fanout(console, roster, web.cookies, pages, out)
    finally:
        await infra.drop_templates()
        infra.stop()


async def _fanout(console, roster, cookies, pages: int, out) -> None:  # type: ignore[no-untyped-def]
    import httpx
    from kite_common.testing.stack import auth

    hub = console._server.config.app.state.live_hub
    limits = httpx.Limits(max_connections=pages + 10, max_keepalive_connections=pages + 10)
    arrivals: list[list[float]] = [[] for _ in range(pages)]
    async with httpx.AsyncClient(
        base_url=console.base_url, cookies=cookies, timeout=httpx.Timeout(60, read=None), limits=limits
    ) as web:

        async def listen(i: int) -> None:
            async with web.stream("GET", "/live") as stream:
                async for line in stream.aiter_lines():
                    if line == "data: roster":
                        arrivals[i].append(time.perf_counter())

        tasks = [asyncio.create_task(listen(i)) for i in range(pages)]
        while len(hub.subscribers) < pages:  # noqa: ASYNC110 - the bench watches the hub fill up
            await asyncio.sleep(0.1)
        latencies: list[float] = []
        rounds = 5
        async with roster.client(headers=auth(["registrar"], COUNTY)) as http:
            for n in range(rounds):
                before = [len(a) for a in arrivals]
                sent = time.perf_counter()
                seq = 900 + n
                first17 = f"{COUNTY}19910101{seq:03d}"
                from kite_roster.shared.identity import check_digit

                await http.post(
                    "/members",
                    json={
                        "name": "测试",
                        "id_number": first17 + check_digit(first17),
                        "phone": f"137{seq:08d}",
                        "origin_division_code": f"{COUNTY}101001",
                        "current_city": "杭州",
                    },
                )
                deadline = time.perf_counter() + 10
                while time.perf_counter() < deadline and any(  # noqa: ASYNC110 - measuring arrivals
                    len(a) <= b for a, b in zip(arrivals, before, strict=True)
                ):
                    await asyncio.sleep(0.02)
                latencies += [a[b] - sent for a, b in zip(arrivals, before, strict=True) if len(a) > b]
                await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    reached = len(latencies)
    out.print(
        f"live dashboard: {pages} open pages × {rounds} events: {reached}/{pages * rounds} delivered; "
        f"from the roster's answer to the page: p50 {statistics.median(latencies):.2f} s, "
        f"p95 {_percentile(latencies, 0.95):.2f} s, max {max(latencies):.2f} s (target < {TARGET_FANOUT_S} s)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--samples", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("KITE_CRYPTO_DATA_KEYS", "bench:" + base64.b64encode(b"b" * 32).decode())
    asyncio.run(run(args.rows, args.pages, args.samples))


if __name__ == "__main__":
    main()

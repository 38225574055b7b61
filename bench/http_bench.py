"""HTTP benchmark (not a test): server CPU per request for an empty POST, plain FastAPI against
Kite's app factory, measured in the same run, interleaved, median of rounds.

The load comes from this process (httpx, keep-alive, CONCURRENCY requests in flight); the figure
that matters is the server process's own CPU time per request, read from /proc, which the load
generator sharing the machine does not change much. Needs a database only for the app's pool.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

HERE = Path(__file__).parent
CONCURRENCY = 32


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    def __init__(self, kind: str, env: dict[str, str]) -> None:
        self.kind = kind
        self.port = _free_port()
        self.proc = subprocess.Popen(  # noqa: S603 - our own script
            [sys.executable, str(HERE / "http_servers.py"), kind, str(self.port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        self.url = f"http://127.0.0.1:{self.port}"

    async def ready(self) -> None:
        """Once uvicorn listens (after the app's startup)."""
        for _ in range(300):
            try:
                _, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                await asyncio.sleep(0.1)
                continue
            writer.close()
            return
        raise RuntimeError(f"the {self.kind} server did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


async def _round(server: Server, requests: int) -> tuple[float, float]:
    """(requests per second, server CPU ms per request) for one round."""
    body = {"title": "春风行动", "count": 3}
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    async with httpx.AsyncClient(base_url=server.url, limits=limits) as client:
        remaining = iter(range(requests))

        async def worker() -> None:
            for _ in remaining:
                response = await client.post("/echo", json=body)
                assert response.status_code == 201, response.text

        cpu0, t0 = cpu_seconds(server.proc.pid), time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CONCURRENCY)))
        elapsed, cpu = time.perf_counter() - t0, cpu_seconds(server.proc.pid) - cpu0
    return requests / elapsed, cpu * 1000 / requests


async def run(requests: int, rounds: int, database_url: str) -> None:
    from kite_common.testing.stack import TEST_SECRETS

    env = {**os.environ, **TEST_SECRETS, "DATABASE_URL": database_url}
    servers = [Server("plain", env), Server("kite", env)]
    try:
        for server in servers:
            await server.ready()
            await _round(server, min(requests, 500))  # warm up
        results: dict[str, list[tuple[float, float]]] = {s.kind: [] for s in servers}
        for _ in range(rounds):
            for server in servers:
                results[server.kind].append(await _round(server, requests))
    finally:
        for server in servers:
            server.stop()
    rate = {k: statistics.median(r for r, _ in v) for k, v in results.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in results.items()}
    print(f"\nHTTP: an empty POST, {CONCURRENCY} in flight, {requests} per round, median of {rounds} rounds")
    print(f"{'server':<28}{'req/s':>10}{'CPU ms/req':>12}{'CPU ratio':>11}")
    for kind, label in (("plain", "plain FastAPI (reference)"), ("kite", "Kite app factory")):
        print(f"{label:<28}{rate[kind]:>10.0f}{cpu[kind]:>12.3f}{cpu[kind] / cpu['plain']:>10.2f}x")
    print("target: Kite's CPU per request at most 2x plain FastAPI's")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if url:
        asyncio.run(run(args.requests, args.rounds, url))
        return
    from kite_common.testing.stack import Infra

    infra = Infra.start()
    try:
        asyncio.run(run(args.requests, args.rounds, infra.dsn("postgres")))
    finally:
        infra.stop()


if __name__ == "__main__":
    main()

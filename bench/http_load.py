"""A small HTTP/1.1 load generator for the benchmarks: keep-alive connections sending requests made
beforehand as bytes, so the client costs the shared cores little (httpx costs more than a
hello-world server). Closed loop (N requests in flight, as fast as they are answered) and open loop
(requests due at a fixed rate whatever became of the others; a late one's latency counts from when
it was due). Responses must carry Content-Length (uvicorn's do).
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

Answered = Callable[[int, int, bytes], None]  # (request's index, status, body): told as each is answered


def post(path: str, body: object, headers: dict[str, str] | None = None) -> bytes:
    """A POST of `body` as JSON, as bytes on the wire."""
    payload = json.dumps(body, ensure_ascii=False).encode()
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: bench",
        "Content-Type: application/json",
        f"Content-Length: {len(payload)}",
    ]
    lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + payload


class _Connection:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader, self.writer = reader, writer

    @classmethod
    async def open(cls, host: str, port: int) -> _Connection:
        return cls(*await asyncio.open_connection(host, port))

    async def send(self, request: bytes) -> tuple[int, bytes]:
        """Send one request, read its response; its status and body."""
        self.writer.write(request)
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = None
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if length is None:
            raise RuntimeError("a response without Content-Length")
        return status, await self.reader.readexactly(length)

    def close(self) -> None:
        self.writer.close()


@dataclass
class Outcome:
    requests: int = 0
    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)
    errors: Counter[str] = field(default_factory=Counter)  # requests that got no answer, by the error

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


async def closed_loop(host: str, port: int, requests: Iterator[bytes], concurrency: int, seconds: float) -> Outcome:
    """`concurrency` connections each sending the next request as soon as the last is answered."""
    connections = [await _Connection.open(host, port) for _ in range(concurrency)]
    out = Outcome()
    deadline = time.perf_counter() + seconds

    async def worker(conn: _Connection) -> None:
        while time.perf_counter() < deadline:
            sent = time.perf_counter()
            out.statuses[(await conn.send(next(requests)))[0]] += 1
            out.latencies.append(time.perf_counter() - sent)

    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in connections))
    out.seconds = time.perf_counter() - start
    out.requests = sum(out.statuses.values())
    for conn in connections:
        conn.close()
    return out


async def open_loop(
    host: str,
    port: int,
    requests: Iterator[bytes],
    rate: float,
    seconds: float,
    connections: int,
    answered: Answered | None = None,
) -> Outcome:
    """Request i due at start + i / rate, on whichever of `connections` is free; latency from when due.
    A request whose connection fails is counted in `errors` by the error, and the connection replaced."""
    idle: asyncio.Queue[_Connection] = asyncio.Queue()
    for _ in range(connections):
        idle.put_nowait(await _Connection.open(host, port))
    out = Outcome()

    async def one(i: int, request: bytes, due: float) -> None:
        conn = await idle.get()
        try:
            status, body = await conn.send(request)
        except (OSError, asyncio.IncompleteReadError, ValueError) as e:
            out.errors[type(e).__name__] += 1
            conn.close()
            conn = await _Connection.open(host, port)
            return
        finally:
            idle.put_nowait(conn)
        out.statuses[status] += 1
        out.latencies.append(time.perf_counter() - due)
        if answered is not None:
            answered(i, status, body)

    tasks = []
    start = time.perf_counter()
    for i in range(int(rate * seconds)):
        due = start + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(i, next(requests), due)))
    await asyncio.gather(*tasks)
    out.seconds = time.perf_counter() - start
    out.requests = sum(out.statuses.values())
    while not idle.empty():
        idle.get_nowait().close()
    return out

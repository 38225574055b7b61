"""The console's API client when a service closes a kept-alive connection just as a request goes out on
it: a read is sent again on a new connection (the page shows the answer, not "service unavailable"),
a write is never sent twice."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator

import pytest
from kite_console.web.api import Answer, Apis, ServiceUnavailable


class ClosingServer:
    """A real HTTP/1.1 server on a socket that answers the first request of each connection with
    keep-alive and then, like a server at its idle timeout, closes the connection on the next request
    without answering it."""

    def __init__(self) -> None:
        self.received: list[str] = []  # "METHOD path" of every request that reached the server
        self.server: asyncio.Server | None = None

    @property
    def url(self) -> str:
        assert self.server is not None
        host, port = self.server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        answered = 0
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                length = next(
                    (int(v) for k, _, v in (h.partition(": ") for h in lines[1:]) if k.lower() == "content-length"), 0
                )
                await reader.readexactly(length)
                self.received.append(" ".join(lines[0].split(" ")[:2]))
                if answered:
                    break  # closed without an answer
                body = json.dumps({"ok": True}).encode()
                writer.write(
                    b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
                    + f"content-length: {len(body)}\r\n\r\n".encode()
                    + body
                )
                await writer.drain()
                answered += 1
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


@pytest.fixture
async def closing_server() -> AsyncIterator[ClosingServer]:
    server = ClosingServer()
    server.server = await asyncio.start_server(server.handle, "127.0.0.1", 0)
    saved = os.environ.get("KITE_SERVICE_URL_ROSTER")
    os.environ["KITE_SERVICE_URL_ROSTER"] = server.url
    try:
        yield server
    finally:
        if saved is None:
            os.environ.pop("KITE_SERVICE_URL_ROSTER", None)
        else:
            os.environ["KITE_SERVICE_URL_ROSTER"] = saved
        server.server.close()
        await server.server.wait_closed()


async def test_a_read_on_a_connection_the_service_closed_is_sent_again(closing_server: ClosingServer) -> None:
    apis = Apis(timeout=5)
    try:
        first = await apis.call("roster", "GET", "/members/a", "token")
        second = await apis.call("roster", "GET", "/members/b", "token")
    finally:
        await apis.close()
    assert isinstance(first, Answer) and isinstance(second, Answer)
    assert second.data == {"ok": True}
    assert closing_server.received == ["GET /members/a", "GET /members/b", "GET /members/b"]


async def test_a_write_on_a_connection_the_service_closed_is_not_sent_twice(closing_server: ClosingServer) -> None:
    apis = Apis(timeout=5)
    try:
        await apis.call("roster", "GET", "/members/a", "token")
        with pytest.raises(ServiceUnavailable):
            await apis.call("roster", "POST", "/members", "token", json={"name": "杨德贵"})
    finally:
        await apis.close()
    assert closing_server.received == ["GET /members/a", "POST /members"]

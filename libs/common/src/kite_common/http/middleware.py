"""ASGI middleware: request ids and a cap on request body size (a route may allow more)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kite_common.ids import new_id
from kite_common.observability import request_id_var

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = dict(scope["headers"]).get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if _SAFE_ID.match(incoming) else str(new_id())
        scope.setdefault("state", {})["request_id"] = request_id
        token = request_id_var.set(request_id)

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message.setdefault("headers", []).append((b"x-request-id", request_id.encode()))
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            request_id_var.reset(token)


_LIMIT_ATTRIBUTE = "__kite_max_body_bytes__"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def body_limit(max_bytes: int | Callable[[], int]) -> Callable[[Endpoint], Endpoint]:
    """Let one endpoint accept bodies up to `max_bytes` (a number, or a function read per request,
    e.g. from settings) instead of the service-wide limit. Put it under the route decorator:

        @router.post("/imports")
        @body_limit(lambda: ImportSettings().max_bytes)
        async def upload(...): ...
    """

    def mark(endpoint: Endpoint) -> Endpoint:
        setattr(endpoint, _LIMIT_ATTRIBUTE, max_bytes)
        return endpoint

    return mark


def route_body_limit(scope: Scope) -> int | None:
    """The body limit of the route a request was routed to, if that route has its own. Routing has
    happened by the time the endpoint reads the body: the router put the route in the scope."""
    endpoint = getattr(scope.get("route"), "endpoint", None)
    limit = getattr(endpoint, _LIMIT_ATTRIBUTE, None)
    if limit is None:
        return None
    return int(limit() if callable(limit) else limit)


class BodySizeLimitMiddleware:
    """Answers 413 for a body over the limit, whether declared (before any of it is read) or streamed.
    The limit is `max_bytes`, or the route's own (see `body_limit`)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def _reject(self, scope: Scope, send: Send, limit: int) -> None:
        body = json.dumps(
            {
                "type": "https://kite.gov.cn/problems/payload-too-large",
                "title": "请求体过大",
                "status": 413,
                "detail": f"请求体不能超过 {_size(limit)}",
                "instance": scope.get("path", ""),
                "max_bytes": limit,
            },
            ensure_ascii=False,
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/problem+json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = dict(scope["headers"]).get(b"content-length")
        declared = int(header) if header is not None and header.isascii() and header.isdigit() else None
        limit: int | None = None  # known at the first read, once the request is routed
        received = 0
        started = False

        async def limited_receive() -> Message:
            nonlocal limit, received
            if limit is None:
                limit = route_body_limit(scope) or self.max_bytes
                if declared is not None and declared > limit:
                    raise _TooLarge(limit)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise _TooLarge(limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, tracking_send)
        except _TooLarge:
            if not started:
                await self._reject(scope, send, limit or self.max_bytes)


def _size(n: int) -> str:
    if n >= 1024 * 1024 and n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB（{n} 字节）"
    return f"{n} 字节"


class _TooLarge(HTTPException):
    """Raised from `receive` inside the app. An HTTPException, so that FastAPI's body parsing passes it
    on (it turns other errors into a 400) and the app's handlers answer 413; if none does, the
    middleware does."""

    def __init__(self, limit: int) -> None:
        super().__init__(status_code=413, detail=f"请求体不能超过 {_size(limit)}")

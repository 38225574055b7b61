"""Calls to the other services' APIs with the signed-in user's token, and their answers as the pages
need them: data, or the problem detail (RFC 9457) with its errors by field."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx

from kite_console.settings import service_url


class SignInRequired(Exception):
    """The session is gone or the API no longer accepts its token: sign in again."""


class PageNotFound(Exception):
    """Nothing to show at this address (or it is outside the user's jurisdiction: the API cannot tell
    the two apart, and neither does the console)."""


class ServiceUnavailable(Exception):
    def __init__(self, service: str) -> None:
        super().__init__(service)
        self.service = service


@dataclass(frozen=True)
class Problem:
    status: int
    title: str
    detail: str
    errors: dict[str, str] = field(default_factory=dict)  # field → message; "" for the whole request

    @classmethod
    def of(cls, response: httpx.Response) -> Problem:
        try:
            body = response.json()
        except ValueError:
            body = {}
        if not isinstance(body, dict):
            body = {}
        errors: dict[str, str] = {}
        for error in body.get("errors") or ():
            if isinstance(error, dict):
                name = str(error.get("field", ""))
                errors[name] = (errors[name] + "；" if name in errors else "") + str(error.get("message", ""))
        return cls(
            status=response.status_code,
            title=str(body.get("title", "请求未完成")),
            detail=str(body.get("detail", "")),
            errors=errors,
        )


@dataclass(frozen=True)
class Answer:
    status: int
    data: Any
    etag: str | None = None


# The services' servers (uvicorn) close a connection idle for 5 s. httpx's pool kept it for 5 s too, so
# a read could go out on a connection the server was closing at that moment and come back "server
# disconnected" (a member's page showed "service unavailable" once in CI). The pool now lets a
# connection go well before the server does, and a read that still meets a closed connection is sent
# once more on a new one (a GET changes nothing; a write is never resent).
KEEPALIVE_S = 2.0
RESENT_ON = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)
SAFE_METHODS = frozenset({"GET", "HEAD"})


# At most this many requests to the APIs at once, each on a connection kept for the next one. Requests
# beyond it wait for a slot here (a FIFO semaphore), not in httpx's pool, whose queue is walked on every
# request that starts or ends; and the pool keeps every connection it opens (httpcore closes an idle
# connection whenever the pool holds more connections in all than it may keep idle, so a pool allowed
# more than it kept reconnected under load). When 500 open dashboards asked for their panels at once,
# the console spent more CPU queueing and reconnecting than serving.
MAX_CONNECTIONS = 64


class Apis:
    """One pooled HTTP client for every API the console calls."""

    def __init__(self, timeout: float = 10.0, transport: httpx.AsyncBaseTransport | None = None) -> None:
        limits = httpx.Limits(
            max_connections=MAX_CONNECTIONS, max_keepalive_connections=MAX_CONNECTIONS, keepalive_expiry=KEEPALIVE_S
        )
        self.client = httpx.AsyncClient(timeout=timeout, transport=transport, limits=limits)
        self.slots = asyncio.Semaphore(MAX_CONNECTIONS)

    async def close(self) -> None:
        await self.client.aclose()

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        token: str,
        *,
        params: dict[str, Any] | None = None,
        json: Any = None,
        if_match: str | None = None,
    ) -> Answer | Problem:
        """The answer, or the API's problem to show. 401 → SignInRequired; 5xx or no answer →
        ServiceUnavailable."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        if if_match:
            headers["If-Match"] = if_match
        clean = {k: v for k, v in (params or {}).items() if v not in (None, "")}
        url = service_url(service) + path
        try:
            async with self.slots:
                try:
                    response = await self.client.request(method, url, params=clean, json=json, headers=headers)
                except RESENT_ON:
                    if method not in SAFE_METHODS:
                        raise
                    response = await self.client.request(method, url, params=clean, json=json, headers=headers)
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(service) from exc
        if response.status_code == 401:
            raise SignInRequired
        if response.status_code >= 500:
            raise ServiceUnavailable(service)
        if response.status_code >= 400:
            return Problem.of(response)
        data = response.json() if response.content else None
        return Answer(response.status_code, data, response.headers.get("ETag"))

    async def upload(
        self, service: str, path: str, token: str, body: AsyncIterator[bytes], content_type: str
    ) -> Answer | Problem:
        """Stream a request body (an uploaded file) to an API as it arrives, without holding it."""
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json", "Content-Type": content_type}
        try:
            async with self.slots:
                response = await self.client.post(
                    service_url(service) + path, content=body, headers=headers, timeout=300
                )
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(service) from exc
        if response.status_code == 401:
            raise SignInRequired
        if response.status_code >= 500:
            raise ServiceUnavailable(service)
        if response.status_code >= 400:
            return Problem.of(response)
        return Answer(response.status_code, response.json(), response.headers.get("ETag"))

    @contextlib.asynccontextmanager
    async def download(
        self, service: str, path: str, token: str, *, params: dict[str, Any] | None = None
    ) -> AsyncIterator[httpx.Response]:
        """A file from an API (an export), streamed; a refusal is the not-found page."""
        headers = {"Authorization": f"Bearer {token}"}
        try:
            async with (
                self.slots,
                self.client.stream(
                    "GET", service_url(service) + path, params=params, headers=headers, timeout=300
                ) as response,
            ):
                if response.status_code == 401:
                    raise SignInRequired
                if response.status_code >= 500:
                    raise ServiceUnavailable(service)
                if response.status_code >= 400:
                    raise PageNotFound
                yield response
        except httpx.HTTPError as exc:
            raise ServiceUnavailable(service) from exc

    async def get(self, service: str, path: str, token: str, *, params: dict[str, Any] | None = None) -> Answer:
        """A read the page cannot do without: 404 (missing or outside the jurisdiction) is the not-found
        page, any other refusal likewise (a 403 must not tell more than a 404)."""
        answer = await self.call(service, "GET", path, token, params=params)
        if isinstance(answer, Problem):
            raise PageNotFound
        return answer

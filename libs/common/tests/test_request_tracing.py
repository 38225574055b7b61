"""Each request runs in the caller's trace, or a new one, through the app factory every service runs."""

from __future__ import annotations

import httpx
from fastapi import APIRouter
from kite_common.http.app import create_app
from kite_common.service import ServiceDefinition
from kite_common.settings import AuthSettings
from kite_common.testing.sample import registry
from kite_common.tracing_context import current_traceparent
from pydantic import SecretStr

router = APIRouter(prefix="/trace")
CALLER_TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


@router.get("")
async def seen() -> dict[str, str | None]:
    return {"traceparent": current_traceparent()}


def _client() -> httpx.AsyncClient:
    service = ServiceDefinition(
        name="sample",
        title="sample",
        registry=registry,
        migrations_package="kite_common.testing.sample_migrations",
        routers=lambda: [],
        public_routers=lambda: [router],
    )
    app = create_app(service, auth=AuthSettings(jwt_secret=SecretStr("s" * 48)))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test")


async def test_a_request_continues_the_callers_trace() -> None:
    async with _client() as http:
        response = await http.get("/trace", headers={"traceparent": f"00-{CALLER_TRACE}-00f067aa0ba902b7-01"})
    _, trace_id, span_id, _ = response.json()["traceparent"].split("-")
    assert trace_id == CALLER_TRACE
    assert span_id != "00f067aa0ba902b7"  # the request is a step of its own within the trace


async def test_a_request_without_a_caller_trace_starts_its_own() -> None:
    async with _client() as http:
        first = (await http.get("/trace")).json()["traceparent"]
        second = (await http.get("/trace")).json()["traceparent"]
    assert first and second
    assert first.split("-")[1] != second.split("-")[1]
    assert first.split("-")[1] != "0" * 32

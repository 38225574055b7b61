"""The FastAPI application every service runs: health, problems, auth, request ids, tracing."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from aiokafka import AIOKafkaClient
from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from fastapi.telemetry import TelemetryConfig

from kite_common.auth.dependencies import require_scope
from kite_common.auth.rate_limit import ClientRateLimiter
from kite_common.auth.tokens import TokenVerifier
from kite_common.db.pool import create_pool
from kite_common.http.event_feed import event_feed_router
from kite_common.http.media_types import RequireJsonBodies
from kite_common.http.metrics import MetricsMiddleware, metrics_endpoint
from kite_common.http.middleware import BodySizeLimitMiddleware, RequestIdMiddleware
from kite_common.http.openapi import document_problems
from kite_common.http.problems import install_problem_handlers
from kite_common.http.tracing import install_tracing
from kite_common.messaging.producer import client_options
from kite_common.privacy.log_redaction import protect_logs
from kite_common.runtime import ServiceRuntime
from kite_common.service import ServiceDefinition
from kite_common.settings import AuthSettings, DatabaseSettings, HttpSettings, KafkaSettings

log = logging.getLogger(__name__)


def create_app(
    service: ServiceDefinition,
    *,
    database: DatabaseSettings | None = None,
    kafka: KafkaSettings | None = None,
    auth: AuthSettings | None = None,
    http: HttpSettings | None = None,
    state: dict[str, Any] | None = None,
) -> FastAPI:
    protect_logs()  # before anything can log a request
    database = database or DatabaseSettings()
    kafka = kafka or KafkaSettings()
    http = http or HttpSettings()
    verifier = TokenVerifier(auth)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(database)
        app.state.runtime = ServiceRuntime(service, pool, kafka)
        app.state.kafka_client = AIOKafkaClient(**client_options(kafka), request_timeout_ms=5000)
        try:
            yield
        finally:
            await app.state.kafka_client.close()
            await pool.close()

    # FastAPI's own OpenTelemetry (a server span, operation spans for dependencies, the endpoint and
    # serialisation, whenever an SDK provider is installed) is off: Kite traces requests itself
    # (`install_tracing`), masking personal numbers in URLs, and records nothing when nothing exports.
    native_telemetry: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}
    app = FastAPI(title=service.title, version="0.1.0", lifespan=lifespan, telemetry=native_telemetry)
    app.state.token_verifier = verifier
    app.state.client_rate_limiter = ClientRateLimiter(http.client_requests_per_minute)
    app.state.draining = False
    for key, value in (state or {}).items():
        setattr(app.state, key, value)
    install_problem_handlers(app)

    @app.get("/livez", tags=["health"])
    async def livez() -> dict[str, str]:
        return {"status": "ok"}

    not_ready = {"status": "not-ready", "checks": {"database": "ok", "broker": "error: KafkaConnectionError"}}
    not_ready_doc = {
        "description": "数据库或消息服务不可用，或正在停止",
        "content": {"application/json": {"example": not_ready}},
    }

    @app.get("/readyz", tags=["health"], responses={503: not_ready_doc})
    async def readyz(request: Request) -> JSONResponse:
        checks: dict[str, str] = {}
        if request.app.state.draining:
            checks["draining"] = "true"
        try:
            runtime: ServiceRuntime = request.app.state.runtime
            await asyncio.wait_for(runtime.pool.fetchval("SELECT 1"), 2)
            checks["database"] = "ok"
        except Exception as exc:
            checks["database"] = f"error: {type(exc).__name__}"
        try:
            client: AIOKafkaClient = request.app.state.kafka_client
            await asyncio.wait_for(client.bootstrap(), 3)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {type(exc).__name__}"
        ready = checks.get("database") == "ok" and checks.get("broker") == "ok" and "draining" not in checks
        return JSONResponse(
            {"status": "ready" if ready else "not-ready", "checks": checks}, status_code=200 if ready else 503
        )

    for router in service.public_routers():
        app.include_router(router)
    secured: list[APIRoute] = []
    for router in service.routers():
        # require_scope depends on current_principal: every route authenticates, once per request.
        app.include_router(router, dependencies=[Depends(require_scope(service.name))])
        secured += [r for r in router.routes if isinstance(r, APIRoute)]
    feed = event_feed_router(service.name)
    app.include_router(feed)
    secured += [r for r in feed.routes if isinstance(r, APIRoute)]
    document_problems(app, secured)

    app.add_route("/metrics", metrics_endpoint, include_in_schema=False)
    install_tracing(app)
    app.add_middleware(MetricsMiddleware, service=service.name)
    app.add_middleware(RequireJsonBodies, matchers=RequireJsonBodies.for_app(app))
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=http.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    return app


async def runtime_of(request: Request) -> ServiceRuntime:
    """FastAPI dependency: the service runtime of this app."""
    runtime: ServiceRuntime = request.app.state.runtime
    return runtime


# A route that takes the runtime reaches the database: its OpenAPI documents 503 (kite_common.http.openapi).
runtime_of.reaches_database = True  # type: ignore[attr-defined]
RuntimeDep = Annotated[ServiceRuntime, Depends(runtime_of)]

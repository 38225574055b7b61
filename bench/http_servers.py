"""Servers for the HTTP benchmarks: the same empty POST on plain FastAPI and through Kite's app
factory (problem handlers, 415 check, body limit, request ids, metrics, tracing as deployed); and
roster's own app (POST /members), as `kite run roster` serves it (DATABASE_URL and the secrets from
the environment).

    python bench/http_servers.py plain|kite|roster PORT
"""

from __future__ import annotations

import asyncio
import sys

import uvicorn
from fastapi import APIRouter, FastAPI
from pydantic import BaseModel


class Note(BaseModel):
    title: str
    count: int


def plain_app() -> FastAPI:
    app = FastAPI()

    @app.post("/echo", status_code=201)
    async def echo(note: Note) -> Note:
        return note

    return app


def kite_app() -> FastAPI:
    from kite_common.events import EventRegistry
    from kite_common.http.app import create_app
    from kite_common.observability import configure_logging, configure_tracing
    from kite_common.service import ServiceDefinition
    from kite_common.settings import TelemetrySettings

    router = APIRouter(prefix="/echo")

    @router.post("", status_code=201)
    async def echo(note: Note) -> Note:
        return note

    service = ServiceDefinition(
        name="bench",
        title="bench",
        registry=EventRegistry("bench"),
        migrations_package="kite_common.testing.sample_migrations",
        routers=lambda: [],
        public_routers=lambda: [router],
    )
    telemetry = TelemetrySettings()
    configure_logging("bench", telemetry.log_level)
    configure_tracing("bench", telemetry)
    return create_app(service)


def roster_app() -> FastAPI:
    from kite_common.http.app import create_app
    from kite_common.observability import configure_logging, configure_tracing
    from kite_common.settings import TelemetrySettings
    from kite_roster.service import SERVICE

    telemetry = TelemetrySettings()
    configure_logging(SERVICE.name, telemetry.log_level)
    configure_tracing(SERVICE.name, telemetry)
    return create_app(SERVICE)


def main() -> None:
    kind, port = sys.argv[1], int(sys.argv[2])
    if kind == "plain":  # uvicorn's defaults, access log included
        config = uvicorn.Config(plain_app(), host="127.0.0.1", port=port)
    else:  # as kite_common.process runs the API role (its access log goes to Kite's JSON log)
        from kite_common.process import freeze_startup_heap

        app = roster_app() if kind == "roster" else kite_app()
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, proxy_headers=True)
        freeze_startup_heap()
    asyncio.run(uvicorn.Server(config).serve())


if __name__ == "__main__":
    main()

"""The console's start page and its lifespan: API client, sessions, OIDC and the live feed."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

from fastapi import APIRouter, FastAPI, Request, Response
from fastapi.responses import RedirectResponse

from kite_console.dashboard.live import LiveHub
from kite_console.dashboard.push import PanelPush
from kite_console.settings import ConsoleSettings
from kite_console.signin.oidc import OidcSignIn
from kite_console.web.api import Apis
from kite_console.web.pages import ConsoleRoute, SessionDep
from kite_console.web.sessions import SessionStore


@contextlib.asynccontextmanager
async def console_lifespan(app: FastAPI) -> AsyncIterator[None]:
    """Runs inside the platform's lifespan, which has made the database pool and Kafka settings."""
    settings = ConsoleSettings()
    runtime = app.state.runtime
    app.state.console_settings = settings
    app.state.apis = Apis(timeout=settings.api_timeout_s)
    app.state.sessions = SessionStore(runtime.pool, timedelta(seconds=settings.session_ttl_s))
    app.state.oidc = OidcSignIn(settings, runtime.pool) if settings.oidc_issuer and settings.oidc_client_id else None
    hub = LiveHub(runtime.kafka)
    push = PanelPush(hub, lambda: app.state.apis, app.state.sessions.still_signed_in)
    hub.refresh_groups = push
    app.state.live_hub = hub
    task = asyncio.create_task(hub.run(), name="live-feed")
    try:
        yield
    finally:
        hub.stopping.set()
        await asyncio.gather(task, return_exceptions=True)
        await push.stop()
        await app.state.apis.close()


router = APIRouter(route_class=ConsoleRoute, lifespan=console_lifespan)


@router.get("/", include_in_schema=False)
async def home(request: Request, session: SessionDep) -> Response:
    return RedirectResponse("/dashboard" if session.has_any("viewer", "registrar") else "/cases", status_code=303)

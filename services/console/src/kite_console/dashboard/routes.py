"""The dashboard: the ledgers of the user's jurisdiction (registration, party, income, service,
monitoring, employment) by division level, the area's cases waiting to be accepted, and the server-sent events
that keep an open page current."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Hashable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from kite_console.dashboard.live import LiveHub, Subscriber
from kite_console.dashboard.panel import panel_area, read_panel
from kite_console.dashboard.push import viewer_key
from kite_console.web.pages import ApisDep, ConsoleRoute, SessionDep, render
from kite_console.web.sessions import COOKIE, session_hash

router = APIRouter(route_class=ConsoleRoute)
HEARTBEAT_S = 15.0
LedgerName = Literal["registration", "party", "income", "service", "monitoring", "employment"]


@router.get("/dashboard", include_in_schema=False)
async def dashboard(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    origin: Annotated[str | None, Query(max_length=12)] = None,
    ledger: Annotated[LedgerName, Query()] = "registration",
) -> Response:
    return render(request, "dashboard/dashboard.html", (await read_panel(session, apis, origin, ledger)).context)


@router.get("/dashboard/panel", include_in_schema=False)
async def panel(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    origin: Annotated[str | None, Query(max_length=12)] = None,
    ledger: Annotated[LedgerName, Query()] = "registration",
) -> Response:
    return render(request, "dashboard/_panel.html", (await read_panel(session, apis, origin, ledger)).context)


@router.get("/live", include_in_schema=False)
async def live(
    request: Request,
    session: SessionDep,
    origin: Annotated[str | None, Query(max_length=12)] = None,
    ledger: Annotated[LedgerName | None, Query()] = None,
) -> Response:
    """The page's event stream. A dashboard names its ledger and area: it is then sent its panel,
    refreshed (`event: panel`); any other page only that something changed (`event: changed`)."""
    hub: LiveHub = request.app.state.live_hub
    group: Hashable | None = None
    viewer: Any = None
    if ledger is not None:
        area = panel_area(session, origin, ledger)
        keyed = viewer_key(session, session_hash(request.cookies.get(COOKIE) or ""), area, ledger)
        if keyed is not None:
            group, viewer = keyed

    async def stream() -> AsyncIterator[str]:
        async with hub.subscribe(session.jurisdiction, group, viewer) as subscriber:
            yield "retry: 2000\n: connected\n\n"
            idle = 0.0
            while not (hub.stopping.is_set() or request.app.state.draining):
                try:
                    source = await asyncio.wait_for(subscriber.queue.get(), 1.0)
                except TimeoutError:
                    if await request.is_disconnected():
                        return
                    idle += 1.0
                    if idle >= HEARTBEAT_S:  # a comment now and then keeps proxies from closing the stream
                        idle = 0.0
                        yield ": ping\n\n"
                    continue
                idle = 0.0
                for event in _events(subscriber, source):
                    yield event
                if subscriber.gone:
                    return

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


def _events(subscriber: Subscriber, source: str | None) -> list[str]:
    """What a wake-up of the page's queue sends: a session that ended gets "changed" (its page then asks
    and is sent to sign in) and never a panel; else the signal, or the latest panel pushed."""
    if subscriber.gone:
        return ["event: changed\ndata: session\n\n"]
    events = [f"event: changed\ndata: {source}\n\n"] if source is not None else []
    if subscriber.panel is not None:
        events.append(subscriber.panel)
        subscriber.panel = None
    return events

"""The dashboard: the registration ledger of the user's jurisdiction by division level, the cases
waiting to be accepted, and the server-sent events that keep an open page current."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from kite_console.dashboard.live import LiveHub
from kite_console.web.api import Answer, Apis, PageNotFound
from kite_console.web.pages import ApisDep, ConsoleRoute, SessionDep, render
from kite_console.web.sessions import Session

router = APIRouter(route_class=ConsoleRoute)
LEVEL_BELOW = {0: "county", 2: "county", 4: "county", 6: "township", 9: "village", 12: "village"}
LEVEL_LABEL = {"county": "县（市、区）", "township": "乡（镇、街道）", "village": "村（社区）"}
OPEN_CASES_SHOWN = 100  # the counter says "100+" past this: one bounded page, no table scan
HEARTBEAT_S = 15.0


async def _panel_context(session: Session, apis: Apis, origin: str | None) -> dict[str, Any]:
    area = origin if origin is not None else session.jurisdiction
    if not area.startswith(session.jurisdiction) or not (area == "" or area.isdigit()) or len(area) > 12:
        raise PageNotFound  # outside the jurisdiction: the same page as an unknown place
    level = LEVEL_BELOW.get(len(area), "village")
    ledger, open_cases, service = await asyncio.gather(
        apis.get(
            "roster",
            "/ledgers/registration",
            session.token,
            params={"by": "origin", "origin": area or None, "level": level, "limit": 200},
        ),
        apis.call("casework", "GET", "/cases", session.token, params={"status": "open", "limit": OPEN_CASES_SHOWN}),
        # This month's service ledger (服务台账) of the counties in the area shown.
        apis.call(
            "casework", "GET", "/ledgers/service", session.token, params={"level": "county", "area": area[:6] or None}
        ),
    )
    cases_count = None
    if isinstance(open_cases, Answer):
        cases_count = f"{len(open_cases.data['items'])}" + ("+" if open_cases.data["next_cursor"] else "")
    rows = ledger.data["rows"]
    chart = {"labels": [r["label"] or r["key"] for r in rows], "values": [r["members"] for r in rows]}
    return {
        "area": area,
        "level": level,
        "level_label": LEVEL_LABEL[level],
        "ledger": ledger.data,
        "drillable": len(area) < 9,
        "open_cases": cases_count,
        "service": service.data if isinstance(service, Answer) else None,
        "chart_json": json.dumps(chart, ensure_ascii=False),
        "crumbs": _crumbs(session.jurisdiction, area),
    }


def _crumbs(jurisdiction: str, area: str) -> list[str]:
    """The way back up, from the jurisdiction to the area shown (division prefixes 2/4/6/9/12)."""
    return [area[:n] for n in (0, 2, 4, 6, 9, 12) if len(jurisdiction) <= n < len(area)] + [area]


@router.get("/dashboard", include_in_schema=False)
async def dashboard(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    origin: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    return render(request, "dashboard/dashboard.html", await _panel_context(session, apis, origin))


@router.get("/dashboard/panel", include_in_schema=False)
async def panel(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    origin: Annotated[str | None, Query(max_length=12)] = None,
) -> Response:
    return render(request, "dashboard/_panel.html", await _panel_context(session, apis, origin))


@router.get("/live", include_in_schema=False)
async def live(request: Request, session: SessionDep) -> Response:
    hub: LiveHub = request.app.state.live_hub

    async def stream() -> AsyncIterator[str]:
        async with hub.subscribe(session.jurisdiction) as subscriber:
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
                yield f"event: changed\ndata: {source}\n\n"

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )

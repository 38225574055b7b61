"""The dashboard: the ledgers of the user's jurisdiction (registration, party, income, service,
monitoring, employment) by division level, the area's cases waiting to be accepted, and the server-sent events
that keep an open page current."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse

from kite_console.dashboard import ledgers
from kite_console.dashboard.ledgers import LEDGERS
from kite_console.dashboard.live import LiveHub
from kite_console.web.api import Answer, Apis, PageNotFound, Problem
from kite_console.web.pages import ApisDep, ConsoleRoute, SessionDep, render
from kite_console.web.sessions import Session

router = APIRouter(route_class=ConsoleRoute)
LEVEL_BELOW = {0: "county", 2: "county", 4: "county", 6: "township", 9: "village", 12: "village"}
LEVEL_LABEL = {"county": "县（市、区）", "township": "乡（镇、街道）", "village": "村（社区）"}
HEARTBEAT_S = 15.0
BEIJING = ZoneInfo("Asia/Shanghai")
LedgerName = Literal["registration", "party", "income", "service", "monitoring", "employment"]


def _ledger_call(ledger: str, area: str, level: str) -> tuple[str, str, dict[str, Any]]:
    """Which API answers a ledger for an area, at the level below it."""
    origin = area or None
    year = datetime.now(BEIJING).year
    if ledger == "party":
        return "roster", "/ledgers/party", {"origin": origin, "limit": 50}
    if ledger == "income":
        return "roster", "/ledgers/income", {"origin": origin, "year": year}
    if ledger == "service":
        # This month's service ledger (服务台账) of the counties in the area shown.
        return "casework", "/ledgers/service", {"level": "county", "area": area[:6] or None}
    if ledger == "monitoring":
        return "roster", "/ledgers/monitoring", {"origin": origin, "year": year, "level": level}
    if ledger == "employment":
        return "jobs", "/ledgers/employment", {"area": area if len(area) >= 2 else None, "level": level}
    return "roster", "/ledgers/registration", {"by": "origin", "origin": origin, "level": level, "limit": 200}


async def _panel_context(session: Session, apis: Apis, origin: str | None, ledger: str) -> dict[str, Any]:
    area = origin if origin is not None else session.jurisdiction
    digits = area == "" or (area.isascii() and area.isdigit())
    if not area.startswith(session.jurisdiction) or not digits or len(area) > 12:
        raise PageNotFound  # outside the jurisdiction: the same page as an unknown place
    if ledger not in LEDGERS:
        raise PageNotFound
    level = LEVEL_BELOW.get(len(area), "village")
    drillable = len(area) < 9
    calls = [_ledger_call(ledger, area, level)]
    if ledger in ("party", "income"):  # not broken down by division: the divisions below come from the roster
        calls.append(_ledger_call("registration", area, level))
    # The ledger's reads and the count of the area's cases waiting to be accepted (casework's counters,
    # not a listing), all at once.
    answers = await asyncio.gather(
        apis.call("casework", "GET", "/ledgers/service/statuses", session.token, params={"area": area or None}),
        *(apis.call(service, "GET", path, session.token, params=params) for service, path, params in calls),
    )
    statuses, answer = answers[0], answers[1]
    cases_count = str(statuses.data["by_status"]["open"]) if isinstance(statuses, Answer) else None
    # the service ledger is by county: its rows drill down only from above a county
    rows_drill = drillable and (ledger != "service" or len(area) < 6)
    view = ledgers.BUILDERS[ledger](answer.data, LEVEL_LABEL[level], rows_drill) if isinstance(answer, Answer) else None
    below: list[dict[str, Any]] = []
    if len(answers) > 2 and isinstance(answers[2], Answer) and drillable:
        below = [{"key": r["key"], "label": r["label"] or r["key"]} for r in answers[2].data["rows"]]
    return {
        "area": area,
        "ledger": ledger,
        "ledgers": LEDGERS,
        "level": level,
        "level_label": LEVEL_LABEL[level],
        "view": view,
        "problem": answer if isinstance(answer, Problem) else None,
        "below": below,
        "open_cases": cases_count,
        "chart_json": json.dumps(view.chart() if view else {"labels": [], "values": []}, ensure_ascii=False),
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
    ledger: Annotated[LedgerName, Query()] = "registration",
) -> Response:
    return render(request, "dashboard/dashboard.html", await _panel_context(session, apis, origin, ledger))


@router.get("/dashboard/panel", include_in_schema=False)
async def panel(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    origin: Annotated[str | None, Query(max_length=12)] = None,
    ledger: Annotated[LedgerName, Query()] = "registration",
) -> Response:
    return render(request, "dashboard/_panel.html", await _panel_context(session, apis, origin, ledger))


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

"""A dashboard panel: which APIs answer a ledger for an area, read with a user's token, and the panel's
HTML. The reads depend only on the token's jurisdiction, roles and scope (none of the ledger APIs
reads the caller's subject), the area and the ledger — so pages with the same key are shown the same
panel (`dashboard/push.py`)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from kite_console.dashboard import ledgers
from kite_console.dashboard.ledgers import LEDGERS
from kite_console.web.api import Answer, Apis, PageNotFound, Problem
from kite_console.web.pages import templates
from kite_console.web.sessions import Session

LEVEL_BELOW = {0: "county", 2: "county", 4: "county", 6: "township", 9: "village", 12: "village"}
LEVEL_LABEL = {"county": "县（市、区）", "township": "乡（镇、街道）", "village": "村（社区）"}
BEIJING = ZoneInfo("Asia/Shanghai")
TEMPLATE = "dashboard/_panel.html"


def panel_area(session: Session, origin: str | None, ledger: str) -> str:
    """The area a panel shows (the jurisdiction by default); PageNotFound outside the jurisdiction."""
    area = origin if origin is not None else session.jurisdiction
    digits = area == "" or (area.isascii() and area.isdigit())
    if not area.startswith(session.jurisdiction) or not digits or len(area) > 12:
        raise PageNotFound  # outside the jurisdiction: the same page as an unknown place
    if ledger not in LEDGERS:
        raise PageNotFound
    return area


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


@dataclass(frozen=True)
class PanelReads:
    context: dict[str, Any]
    # False when an API answered 429: a client token's rate limit is its subject's, not the key's.
    shareable: bool


async def read_panel(session: Session, apis: Apis, origin: str | None, ledger: str) -> PanelReads:
    area = panel_area(session, origin, ledger)
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
    context = {
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
    shareable = not any(isinstance(a, Problem) and a.status == 429 for a in answers)
    return PanelReads(context, shareable)


def render_panel(context: dict[str, Any]) -> str:
    """The panel's HTML from its reads alone: no session, no CSRF token, no request — nothing of one
    user's that could reach another page of the same key."""
    return templates.get_template(TEMPLATE).render(context)


def _crumbs(jurisdiction: str, area: str) -> list[str]:
    """The way back up, from the jurisdiction to the area shown (division prefixes 2/4/6/9/12)."""
    return [area[:n] for n in (0, 2, 4, 6, 9, 12) if len(jurisdiction) <= n < len(area)] + [area]

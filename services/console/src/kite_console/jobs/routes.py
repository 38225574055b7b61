"""Jobs: the postings of the user's jurisdiction, and a posting's matches with each score explained
(the jobs service decides the matching; the console shows it)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from kite_console.web.api import Answer, Problem
from kite_console.web.pages import ApisDep, ConsoleRoute, FormSessionDep, SessionDep, render

router = APIRouter(route_class=ConsoleRoute)
PART_LABELS = {
    "skills": "技能",
    "place": "地点",
    "wage": "薪资",
    "availability": "到岗时间",
    "requirements": "硬性要求",
}


@router.get("/jobs", include_in_schema=False)
async def postings(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    answer = await apis.call("jobs", "GET", "/postings", session.token, params={"limit": 50, "cursor": cursor})
    return render(
        request,
        "jobs/postings.html",
        {
            "page": answer.data if isinstance(answer, Answer) else None,
            "problem": answer if isinstance(answer, Problem) else None,
        },
    )


@router.get("/jobs/{posting_id}", include_in_schema=False)
async def posting_page(request: Request, posting_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    posting = await apis.get("jobs", f"/postings/{posting_id}", session.token)
    matches = await apis.call("jobs", "GET", f"/postings/{posting_id}/matches", session.token, params={"limit": 50})
    return render(
        request,
        "jobs/posting.html",
        {
            "posting": posting.data,
            "matches": matches.data if isinstance(matches, Answer) else None,
            "part_labels": PART_LABELS,
            "problem": None,
        },
    )


@router.post("/jobs/{posting_id}/match", include_in_schema=False)
async def match(request: Request, posting_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    answer = await apis.call("jobs", "POST", f"/postings/{posting_id}/match", session.token)
    if isinstance(answer, Problem):
        posting, matches = await asyncio.gather(
            apis.get("jobs", f"/postings/{posting_id}", session.token),
            apis.call("jobs", "GET", f"/postings/{posting_id}/matches", session.token, params={"limit": 50}),
        )
        context = {
            "posting": posting.data,
            "matches": matches.data if isinstance(matches, Answer) else None,
            "part_labels": PART_LABELS,
            "problem": answer,
        }
        return render(request, "jobs/posting.html", context, status_code=answer.status)
    return RedirectResponse(f"/jobs/{posting_id}", status_code=303)

"""Import: upload a county spreadsheet to the roster, watch its progress, read and download the
per-row problem report. The roster does the importing; the console streams the file through."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

from fastapi import APIRouter, Request, Response
from fastapi.responses import StreamingResponse
from kite_common.http.middleware import body_limit

from kite_console.web.api import Answer, Apis, PageNotFound, Problem
from kite_console.web.pages import ApisDep, ConsoleRoute, SessionDep, render
from kite_console.web.sessions import Session

router = APIRouter(route_class=ConsoleRoute)
MAX_UPLOAD_BYTES = 512 * 1024 * 1024  # the roster's own limit (KITE_IMPORT_MAX_BYTES) still applies
PROBLEMS_SHOWN = 100
FINISHED = ("done", "failed")
STATUS_LABELS = {"queued": "排队中", "running": "导入中", "done": "已完成", "failed": "失败"}
_MEDIA = {"csv": "text/csv; charset=utf-8", "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


@router.get("/imports", include_in_schema=False)
async def imports_page(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    jobs = await apis.call("roster", "GET", "/imports", session.token, params={"limit": 20})
    return render(
        request,
        "importing/imports.html",
        {
            "jobs": jobs.data["items"] if isinstance(jobs, Answer) else [],
            "problem": jobs if isinstance(jobs, Problem) else None,
            "status_labels": STATUS_LABELS,
        },
    )


@router.post("/imports", include_in_schema=False)
@body_limit(MAX_UPLOAD_BYTES)
async def upload(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    # The file is streamed through as it arrives, so the CSRF token comes in the header htmx sends
    # (X-CSRF-Token from the page), never from parsing the body first.
    sent = request.headers.get("X-CSRF-Token", "")
    if not sent or sent != session.csrf_token:
        raise PageNotFound
    content_type = request.headers.get("content-type", "application/octet-stream")
    answer = await apis.upload("roster", "/imports", session.token, request.stream(), content_type)
    if isinstance(answer, Problem):
        return render(request, "importing/_upload_problem.html", {"problem": answer}, status_code=200)
    return Response(status_code=204, headers={"HX-Redirect": f"/imports/{answer.data['job_id']}"})


async def _job_context(session: Session, apis: Apis, job_id: uuid.UUID) -> dict[str, Any]:
    job = await apis.get("roster", f"/imports/{job_id}", session.token)
    problems = await apis.call(
        "roster", "GET", f"/imports/{job_id}/problems", session.token, params={"limit": PROBLEMS_SHOWN}
    )
    return {
        "job": job.data,
        "finished": job.data["status"] in FINISHED,
        "status_labels": STATUS_LABELS,
        "problems": problems.data if isinstance(problems, Answer) else None,
        "percent": round(job.data["progress"] * 100),
    }


@router.get("/imports/{job_id}", include_in_schema=False)
async def job_page(request: Request, job_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    return render(request, "importing/job.html", await _job_context(session, apis, job_id))


@router.get("/imports/{job_id}/panel", include_in_schema=False)
async def job_panel(request: Request, job_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    return render(request, "importing/_job_panel.html", await _job_context(session, apis, job_id))


@router.get("/imports/{job_id}/live", include_in_schema=False)
async def job_live(request: Request, job_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    """Tells the page when the job's progress changes. The console asks the roster once a second
    while the page is open (the browser does not poll); the stream ends when the job has finished."""
    first = await apis.get("roster", f"/imports/{job_id}", session.token)

    async def stream() -> AsyncIterator[str]:
        yield "retry: 2000\n: connected\n\n"
        seen = (first.data["status"], first.data["counts"], first.data["progress"])
        while seen[0] not in FINISHED and not request.app.state.draining:
            await asyncio.sleep(1.0)
            if await request.is_disconnected():
                return
            answer = await apis.call("roster", "GET", f"/imports/{job_id}", session.token)
            if not isinstance(answer, Answer):
                return
            now = (answer.data["status"], answer.data["counts"], answer.data["progress"])
            if now != seen:
                seen = now
                yield "event: changed\ndata: import\n\n"
        # The last state, whatever the page showed, then the end of the stream.
        yield "event: changed\ndata: import\n\nevent: done\ndata: import\n\n"

    return StreamingResponse(stream(), media_type="text/event-stream", headers={"Cache-Control": "no-store"})


@router.get("/imports/{job_id}/problems.{fmt}", include_in_schema=False)
async def problems_file(
    request: Request, job_id: uuid.UUID, fmt: Literal["csv", "xlsx"], session: SessionDep, apis: ApisDep
) -> Response:
    context = apis.download("roster", f"/imports/{job_id}/problems", session.token, params={"format": fmt})
    response = await context.__aenter__()

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in response.aiter_bytes():
                yield chunk
        finally:
            await context.__aexit__(None, None, None)

    return StreamingResponse(
        body(),
        media_type=_MEDIA[fmt],
        headers={"Content-Disposition": f'attachment; filename="import-{job_id}-problems.{fmt}"'},
    )

"""Jobs: the postings of the user's jurisdiction, and a posting's matches with each score explained
(the jobs service decides the matching; the console shows it); employers (contacts masked, verified by
an HR station), fairs with their results, placements and the follow-ups due."""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse

from kite_console.web.api import Answer, Apis, PageNotFound, Problem
from kite_console.web.forms import field_errors, flag, if_match, optional, text
from kite_console.web.pages import ApisDep, ConsoleRoute, FormSessionDep, SessionDep, render
from kite_console.web.sessions import Session

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


# --- Employers, fairs and placements -------------------------------------------------------------

FAIR_VERBS = {"employers": "单位携岗位参会", "registrations": "人员报名", "check-ins": "参会签到", "offers": "录用意向"}


def _page(answer: Answer | Problem) -> tuple[Any, Problem | None]:
    return (answer.data, None) if isinstance(answer, Answer) else (None, answer)


@router.get("/employers", include_in_schema=False)
async def employers(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    verified: Annotated[Literal["", "true", "false"], Query()] = "",
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    answer = await apis.call(
        "jobs", "GET", "/employers", session.token, params={"verified": verified, "limit": 50, "cursor": cursor}
    )
    page, problem = _page(answer)
    return render(request, "jobs/employers.html", {"page": page, "problem": problem, "verified": verified})


async def _employer_page(
    request: Request, session: Session, apis: Apis, employer_id: uuid.UUID, problem: Problem | None = None
) -> Response:
    employer, postings_of = await asyncio.gather(
        apis.get("jobs", f"/employers/{employer_id}", session.token),
        apis.call("jobs", "GET", "/postings", session.token, params={"employer_id": str(employer_id), "limit": 50}),
    )
    context = {
        "employer": employer.data,
        "postings": postings_of.data["items"] if isinstance(postings_of, Answer) else [],
        "problem": problem,
        "errors": field_errors(problem),
    }
    return render(request, "jobs/employer.html", context, status_code=problem.status if problem else 200)


@router.get("/employers/{employer_id}", include_in_schema=False)
async def employer_page(request: Request, employer_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    return await _employer_page(request, session, apis, employer_id)


@router.post("/employers/{employer_id}/verify", include_in_schema=False)
async def verify_employer(request: Request, employer_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    answer = await apis.call(
        "jobs",
        "POST",
        f"/employers/{employer_id}/verification",
        session.token,
        json={"note": optional(form, "note")},
        if_match=if_match(form),
    )
    if isinstance(answer, Problem):
        return await _employer_page(request, session, apis, employer_id, answer)
    return RedirectResponse(f"/employers/{employer_id}", status_code=303)


FAIR_LIST = 100  # employers and postings of a fair shown per page


@router.get("/fairs", include_in_schema=False)
async def fairs(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    answer = await apis.call("jobs", "GET", "/ledgers/fairs", session.token)
    page, problem = _page(answer)
    return render(request, "jobs/fairs.html", {"page": page, "problem": problem})


async def _fair_page(
    request: Request,
    session: Session,
    apis: Apis,
    fair_id: uuid.UUID,
    failed: str | None = None,
    problem: Problem | None = None,
    values: dict[str, Any] | None = None,
    attendees: str = "",
    cursor: str | None = None,
    employers_cursor: str | None = None,
    postings_cursor: str | None = None,
) -> Response:
    fair, employers_of, open_postings, registered, at_fair, brought = await asyncio.gather(
        apis.get("jobs", f"/fairs/{fair_id}", session.token),
        apis.call("jobs", "GET", "/employers", session.token, params={"limit": 200}),
        apis.call("jobs", "GET", "/postings", session.token, params={"status": "open", "limit": 200}),
        apis.call(
            "jobs",
            "GET",
            f"/fairs/{fair_id}/registrations",
            session.token,
            params={"invited": attendees, "limit": 50, "cursor": cursor},
        ),
        apis.call(
            "jobs",
            "GET",
            f"/fairs/{fair_id}/employers",
            session.token,
            params={"limit": FAIR_LIST, "cursor": employers_cursor},
        ),
        apis.call(
            "jobs",
            "GET",
            f"/fairs/{fair_id}/postings",
            session.token,
            params={"limit": FAIR_LIST, "cursor": postings_cursor},
        ),
    )
    listed, listed_problem = _page(registered)
    fair_employers, fair_employers_problem = _page(at_fair)
    fair_postings, fair_postings_problem = _page(brought)
    context = {
        "fair": fair.data,
        "fair_employers": fair_employers,
        "fair_employers_problem": fair_employers_problem,
        "fair_postings": fair_postings,
        "fair_postings_problem": fair_postings_problem,
        "attendees": attendees,
        "registered": listed,
        "registered_problem": listed_problem,
        "employers": employers_of.data["items"] if isinstance(employers_of, Answer) else [],
        "postings": open_postings.data["items"] if isinstance(open_postings, Answer) else [],
        "verbs": FAIR_VERBS,
        "failed": failed,
        "problem": problem,
        "errors": field_errors(problem),
        "values": values or {},
    }
    return render(request, "jobs/fair.html", context, status_code=problem.status if problem else 200)


@router.get("/fairs/{fair_id}", include_in_schema=False)
async def fair_page(
    request: Request,
    fair_id: uuid.UUID,
    session: SessionDep,
    apis: ApisDep,
    attendees: Annotated[Literal["", "true", "false"], Query()] = "",
    cursor: Annotated[str | None, Query(max_length=64)] = None,
    employers_cursor: Annotated[str | None, Query(max_length=64)] = None,
    postings_cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    """The fair, its results, the employers and postings it brought together, and its registrations
    (all, invitees or those who came by themselves)."""
    return await _fair_page(
        request,
        session,
        apis,
        fair_id,
        attendees=attendees,
        cursor=cursor,
        employers_cursor=employers_cursor,
        postings_cursor=postings_cursor,
    )


@router.post("/fairs/{fair_id}/{verb}", include_in_schema=False)
async def fair_verb(
    request: Request, fair_id: uuid.UUID, verb: str, session: FormSessionDep, apis: ApisDep
) -> Response:
    if verb not in FAIR_VERBS:
        raise PageNotFound
    form = await request.form()
    body: dict[str, Any]
    if verb == "employers":
        body = {
            "employer_id": optional(form, "employer_id"),
            "posting_ids": [v for v in form.getlist("posting_ids") if v],
        }
    elif verb == "offers":
        body = {"member_id": optional(form, "member_id"), "posting_id": optional(form, "posting_id")}
    else:
        body = {"member_id": optional(form, "member_id")}
        if verb == "registrations":
            body["invited"] = flag(form, "invited")
    answer = await apis.call("jobs", "POST", f"/fairs/{fair_id}/{verb}", session.token, json=body)
    if isinstance(answer, Problem):
        values = {k: text(form, k) for k in form if k != "csrf_token"}
        return await _fair_page(request, session, apis, fair_id, verb, answer, values)
    return RedirectResponse(f"/fairs/{fair_id}", status_code=303)


@router.get("/placements", include_in_schema=False)
async def placements(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    cursor: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    listed, due = await asyncio.gather(
        apis.call("jobs", "GET", "/placements", session.token, params={"limit": 50, "cursor": cursor}),
        apis.call("jobs", "GET", "/follow-ups/due", session.token, params={"limit": 50}),
    )
    page, problem = _page(listed)
    return render(
        request,
        "jobs/placements.html",
        {"page": page, "problem": problem, "due": due.data if isinstance(due, Answer) else None},
    )

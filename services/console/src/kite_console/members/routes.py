"""Members: search with the roster's filters, a member's page, registering one (the roster decides)."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from kite_console.web import labels
from kite_console.web.api import Answer, Apis, Problem
from kite_console.web.forms import field_errors, flag, if_match, optional, text, values_of, words
from kite_console.web.pages import ApisDep, ConsoleRoute, FormSessionDep, SessionDep, render
from kite_console.web.sessions import Session

router = APIRouter(route_class=ConsoleRoute)

# The roster's search filters. ID and phone numbers are searched by POST so that they never appear
# in a URL (browser history, proxy and server logs).
FILTERS = (
    "name",
    "id_number",
    "phone",
    "origin",
    "city",
    "employer",
    "industry",
    "party",
    "poverty_registered",
    "relocated",
    "monitored",
    "contact_status",
    "status",
    "sort",
    "cursor",
)
REGISTER_FIELDS = (
    "name",
    "id_number",
    "phone",
    "gender",
    "origin_division_code",
    "current_city",
    "employer",
    "industry",
    "skills",
    "languages",
    "disability",
)


def _search_context(filters: dict[str, Any], answer: Answer | Problem | None) -> dict[str, Any]:
    return {
        "filters": filters,
        "page": answer.data if isinstance(answer, Answer) else None,
        "problem": answer if isinstance(answer, Problem) else None,
        "errors": field_errors(answer if isinstance(answer, Problem) else None),
        "labels": labels,
    }


@router.get("/members", include_in_schema=False)
async def members_page(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    filters = {"status": "active", "sort": "-registered"}
    answer = await apis.call("roster", "GET", "/members", session.token, params={**filters, "limit": 50})
    return render(request, "members/search.html", _search_context(filters, answer))


@router.post("/members/search", include_in_schema=False)
async def search(request: Request, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    filters = values_of(form, FILTERS)
    answer = await apis.call("roster", "GET", "/members", session.token, params={**filters, "limit": 50})
    template = "members/_results.html" if request.headers.get("HX-Request") else "members/search.html"
    return render(request, template, _search_context(filters, answer), status_code=200)


@router.get("/members/new", include_in_schema=False)
async def new_member(request: Request, session: SessionDep) -> Response:
    values = {"origin_division_code": session.jurisdiction}
    return render(request, "members/register.html", {"values": values, "errors": {}, "problem": None})


@router.post("/members/new", include_in_schema=False)
async def register(request: Request, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    body = {
        "name": text(form, "name"),
        "id_number": text(form, "id_number"),
        "phone": text(form, "phone"),
        "gender": optional(form, "gender"),
        "origin_division_code": text(form, "origin_division_code"),
        "current_city": text(form, "current_city"),
        "employer": optional(form, "employer"),
        "industry": optional(form, "industry"),
        "is_party_member": flag(form, "is_party_member"),
        "union_member": flag(form, "union_member"),
        "skills": words(form, "skills"),
        "languages": words(form, "languages"),
        "disability": optional(form, "disability"),
    }
    answer = await apis.call("roster", "POST", "/members", session.token, json=body)
    if isinstance(answer, Problem):
        values = {
            **values_of(form, REGISTER_FIELDS),
            "is_party_member": body["is_party_member"],
            "union_member": body["union_member"],
        }
        return render(
            request,
            "members/register.html",
            {"values": values, "errors": field_errors(answer), "problem": answer},
            status_code=answer.status if answer.status in (400, 403, 409, 422) else 400,
        )
    return RedirectResponse(f"/members/{answer.data['member_id']}", status_code=303)


async def member_context(session: SessionDep, apis: ApisDep, member_id: uuid.UUID) -> dict[str, Any]:
    token = session.token
    # One round trip for what needs only the member's id (the member itself, movements, cases), then
    # one more only for a party member's record or a household, which the member names. Outside the
    # jurisdiction the member read is refused and the page is not-found, whatever the others answered.
    member, movements, cases = await asyncio.gather(
        apis.get("roster", f"/members/{member_id}", token),
        apis.call("roster", "GET", f"/members/{member_id}/movements", token),
        apis.call("casework", "GET", "/cases", token, params={"member_id": str(member_id)}),
    )
    reads = []
    if member.data["is_party_member"]:
        reads.append(apis.call("roster", "GET", f"/party-members/{member_id}", token))
    if member.data.get("household_id"):
        reads.append(apis.call("roster", "GET", f"/households/{member.data['household_id']}", token))
    rest = iter(await asyncio.gather(*reads))
    party = next(rest) if member.data["is_party_member"] else None
    household = next(rest) if member.data.get("household_id") else None
    return {
        "member": member.data,
        "party": party.data if isinstance(party, Answer) else None,
        "household": household.data if isinstance(household, Answer) else None,
        "revealed": None,
        "reveal_problem": None,
        "reveal_errors": {},
        "reveal_reason": "",
        "form_problem": None,
        "failed_form": None,
        "form_errors": {},
        "form_values": {},
        "movements": movements.data if isinstance(movements, Answer) else None,
        "cases": cases.data if isinstance(cases, Answer) else None,
        "labels": labels,
        "case_values": {"category": "wage_arrears", "urgency": "normal"},
        "errors": {},
        "problem": None,
    }


@router.get("/members/{member_id}", include_in_schema=False)
async def member_page(request: Request, member_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    return render(request, "members/member.html", await member_context(session, apis, member_id))


EDIT_FIELDS = ("name", "phone", "industry", "skills", "languages", "disability")


@router.get("/members/{member_id}/edit", include_in_schema=False)
async def edit_form(request: Request, member_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    member = (await apis.get("roster", f"/members/{member_id}", session.token)).data
    values = {
        "name": member["name"],
        "phone": "",  # shown masked; typed only to change it
        "industry": member["industry"] or "",
        "skills": "、".join(member["skills"]),
        "languages": "、".join(member["languages"]),
        "disability": member["disability"] or "",
        "union_member": member["union_member"],
    }
    context = {"member": member, "values": values, "errors": {}, "problem": None}
    return render(request, "members/edit.html", context)


@router.post("/members/{member_id}/edit", include_in_schema=False)
async def edit(request: Request, member_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    body: dict[str, Any] = {
        "name": text(form, "name"),
        "industry": optional(form, "industry"),
        "skills": words(form, "skills"),
        "languages": words(form, "languages"),
        "disability": optional(form, "disability"),
        "union_member": flag(form, "union_member"),
    }
    if text(form, "phone"):
        body["phone"] = text(form, "phone")
    answer = await apis.call(
        "roster",
        "PATCH",
        f"/members/{member_id}",
        session.token,
        json=body,
        if_match=if_match(form),
    )
    if isinstance(answer, Problem):
        member = (await apis.get("roster", f"/members/{member_id}", session.token)).data
        values = {**values_of(form, EDIT_FIELDS), "union_member": body["union_member"]}
        context = {"member": member, "values": values, "errors": field_errors(answer), "problem": answer}
        return render(request, "members/edit.html", context, status_code=answer.status)
    return RedirectResponse(f"/members/{member_id}", status_code=303)


@router.post("/members/{member_id}/relocations", include_in_schema=False)
async def relocate(request: Request, member_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    body = {
        "current_city": text(form, "current_city"),
        "employer": optional(form, "employer"),
        "industry": optional(form, "industry"),
        "moved_on": text(form, "moved_on") or None,
    }
    answer = await apis.call(
        "roster",
        "POST",
        f"/members/{member_id}/relocations",
        session.token,
        json=body,
        if_match=if_match(form),
    )
    return await _after_member_form(request, session, apis, member_id, answer, "relocate", form)


def _deregister_page(
    request: Request, member: dict[str, Any], values: dict[str, Any], problem: Problem | None
) -> Response:
    context = {
        "member": member,
        "values": values,
        "errors": field_errors(problem),
        "problem": problem,
        "reasons": {"": "请选择注销原因"} | labels.DEREGISTRATION_REASONS,
    }
    status = problem.status if problem else 200
    return render(request, "members/deregister.html", context, status_code=status)


@router.get("/members/{member_id}/deregister", include_in_schema=False)
async def deregister_form(request: Request, member_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    """The confirmation step: what deregistering means, and the reason the roster requires."""
    member = (await apis.get("roster", f"/members/{member_id}", session.token)).data
    return _deregister_page(request, member, {}, None)


@router.post("/members/{member_id}/deregister", include_in_schema=False)
async def deregister(request: Request, member_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    answer = await apis.call(
        "roster",
        "POST",
        f"/members/{member_id}/deregistration",
        session.token,
        json={"reason": text(form, "reason"), "note": optional(form, "note")},
        if_match=if_match(form),
    )
    if isinstance(answer, Problem):
        member = (await apis.get("roster", f"/members/{member_id}", session.token)).data
        return _deregister_page(request, member, values_of(form, ("reason", "note")), answer)
    return RedirectResponse(f"/members/{member_id}", status_code=303)


@router.post("/members/{member_id}/contacts", include_in_schema=False)
async def contact(request: Request, member_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    body = {"channel": text(form, "channel"), "note": optional(form, "note")}
    answer = await apis.call("roster", "POST", f"/members/{member_id}/contacts", session.token, json=body)
    return await _after_member_form(request, session, apis, member_id, answer, "contact", form)


async def _after_member_form(
    request: Request,
    session: Session,
    apis: Apis,
    member_id: uuid.UUID,
    answer: Answer | Problem,
    name: str,
    form: FormData,
) -> Response:
    """Back to the member's page; a refusal is shown on it next to the form that was sent."""
    if not isinstance(answer, Problem):
        return RedirectResponse(f"/members/{member_id}", status_code=303)
    context = await member_context(session, apis, member_id)
    values = {k: text(form, k) for k in form if k not in ("csrf_token", "version")}
    context.update(form_problem=answer, failed_form=name, form_errors=field_errors(answer), form_values=values)
    return render(request, "members/member.html", context, status_code=answer.status)


@router.post("/members/{member_id}/reveal", include_in_schema=False)
async def reveal(request: Request, member_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    """The full numbers, for a pii-reader, with a reason the roster records. Shown once in this answer
    (never in a URL; the page is not cached)."""
    form = await request.form()
    answer = await apis.call(
        "roster",
        "POST",
        f"/members/{member_id}/personal-numbers:reveal",
        session.token,
        json={"reason": text(form, "reason")},
    )
    context = await member_context(session, apis, member_id)
    if isinstance(answer, Problem):
        context.update(reveal_problem=answer, reveal_errors=field_errors(answer), reveal_reason=text(form, "reason"))
        return render(request, "members/member.html", context, status_code=answer.status)
    context["revealed"] = answer.data
    return render(request, "members/member.html", context)


@router.post("/members/{member_id}/cases", include_in_schema=False)
async def open_case(request: Request, member_id: uuid.UUID, session: FormSessionDep, apis: ApisDep) -> Response:
    form = await request.form()
    body = {
        "member_id": str(member_id),
        "category": text(form, "category"),
        "urgency": text(form, "urgency"),
        "description": text(form, "description"),
    }
    answer = await apis.call("casework", "POST", "/cases", session.token, json=body)
    if isinstance(answer, Problem):
        context = await member_context(session, apis, member_id)
        context.update(case_values=body, errors=field_errors(answer), problem=answer)
        return render(request, "members/member.html", context, status_code=answer.status)
    return RedirectResponse(f"/cases/{answer.data['case_id']}", status_code=303)

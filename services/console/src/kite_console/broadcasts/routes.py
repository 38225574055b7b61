"""The broadcast composer: choose the audience (a division or an organisation and its subtree; party
members, monitored households or trades only; SMS and email beside the inbox), write the notice in
each language, preview it as each language's readers will get it, see how many people it reaches,
confirm, and send it through notify with the user's token.

The count before sending is notify's own (`POST /broadcasts/audience`, the same audience the send
takes): recipients, those who opted out of broadcasts, and how many get an SMS or an email. The
preview shows each language's text and, where a translation is missing, the zh-Hans text that notify
sends instead (its documented fallback)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from kite_console.web.api import Answer, Apis, Problem
from kite_console.web.forms import flag, optional, text, words
from kite_console.web.pages import ApisDep, ConsoleRoute, FormSessionDep, SessionDep, render
from kite_console.web.sessions import Session

router = APIRouter(route_class=ConsoleRoute)
LANGUAGES = {"zh-Hans": "简体中文", "bo": "藏文", "ii": "彝文"}
TEXT_FIELDS = tuple(f"{lang}-{part}" for lang in LANGUAGES for part in ("title", "body"))
AUDIENCE_FIELDS = ("audience", "division", "organisation", "party_only", "monitored_only", "trades", "sms", "email")
FIELDS = (*AUDIENCE_FIELDS, "send_at", *TEXT_FIELDS)
SAMPLE_NAME = "（收件人姓名）"


def broadcast_body(form: FormData) -> dict[str, Any]:
    """The notify request the form describes (texts of the languages written; zh-Hans is required by notify)."""
    texts = {}
    for lang in LANGUAGES:
        title, body = text(form, f"{lang}-title"), text(form, f"{lang}-body")
        if title or body or lang == "zh-Hans":
            texts[lang] = {"title": title, "body": body}
    send_at = text(form, "send_at")
    return audience_of(form) | {
        "texts": texts,
        "send_at": f"{send_at}:00+08:00" if len(send_at) == 16 else (send_at or None),
    }


def audience_of(form: FormData) -> dict[str, Any]:
    """Who the form addresses, as notify's audience (the count and the send take the same one)."""
    by_organisation = text(form, "audience") == "organisation"
    return {
        "division_code_prefix": None if by_organisation else text(form, "division"),
        "organisation_id": optional(form, "organisation") if by_organisation else None,
        "party_members_only": flag(form, "party_only"),
        "monitored_households_only": flag(form, "monitored_only"),
        "trades": words(form, "trades"),
        "channels": ["in_app", *(channel for channel in ("sms", "email") if flag(form, channel))],
    }


def form_errors(problem: Problem | None) -> dict[str, str]:
    """Notify's field errors onto the form: texts.bo.title → bo-title, division_code_prefix → division."""
    if problem is None:
        return {}
    names = {
        "division_code_prefix": "division",
        "organisation_id": "organisation",
        "trades": "trades",
        "send_at": "send_at",
    }
    errors: dict[str, str] = {}
    for name, message in problem.errors.items():
        parts = name.split(".")
        if parts[0] == "texts" and len(parts) >= 3:
            key = f"{parts[1]}-{parts[2]}"
        elif parts[0] == "texts" and len(parts) == 2 and parts[1] in LANGUAGES:
            key = f"{parts[1]}-body"
        else:
            key = names.get(parts[0], parts[0] or "")
        errors[key] = (errors[key] + "；" if key in errors else "") + message
    return errors


@dataclass(frozen=True)
class Preview:
    language: str
    label: str
    title: str
    body: str
    fallback: bool  # no translation: the reader gets the zh-Hans text


def previews(body: dict[str, Any]) -> list[Preview]:
    texts = body["texts"]
    chinese = texts.get("zh-Hans") or {"title": "", "body": ""}
    out = []
    for lang, label in LANGUAGES.items():
        own = texts.get(lang)
        shown = own if own and own["title"] and own["body"] else chinese
        out.append(
            Preview(
                lang,
                label,
                shown["title"].replace("{name}", SAMPLE_NAME),
                shown["body"].replace("{name}", SAMPLE_NAME),
                fallback=shown is chinese and lang != "zh-Hans",
            )
        )
    return out


@dataclass(frozen=True)
class Reach:
    recipients: int
    opted_out: int
    sms: int
    email: int


async def reach(session: Session, apis: Apis, form: FormData) -> Reach | Problem | None:
    """Notify's count of the audience before sending; its problem when the audience is refused, None
    when notify cannot be reached."""
    answer = await apis.call("notify", "POST", "/broadcasts/audience", session.token, json=audience_of(form))
    if isinstance(answer, Problem):
        return answer if answer.status in (400, 403, 404, 422) else None
    data = answer.data
    return Reach(int(data["recipients"]), int(data["opted_out"]), int(data["sms"]), int(data["email"]))


async def _composer(
    request: Request,
    session: Session,
    apis: Apis,
    values: dict[str, str],
    problem: Problem | None = None,
) -> Response:
    organisations = await apis.call("roster", "GET", "/organisations", session.token, params={"limit": 200})
    context = {
        "values": values,
        "languages": LANGUAGES,
        "organisations": organisations.data["items"] if isinstance(organisations, Answer) else [],
        "problem": problem,
        "errors": form_errors(problem),
    }
    return render(request, "broadcasts/new.html", context, status_code=problem.status if problem else 200)


@router.get("/broadcasts/new", include_in_schema=False)
async def new(request: Request, session: SessionDep, apis: ApisDep) -> Response:
    return await _composer(request, session, apis, {"audience": "division", "division": session.jurisdiction})


@router.post("/broadcasts/new", include_in_schema=False)
async def preview_or_send(request: Request, session: FormSessionDep, apis: ApisDep) -> Response:
    """Preview (with the count) first; only the preview's confirm button sends."""
    form = await request.form()
    values = {name: text(form, name) for name in FIELDS}
    body = broadcast_body(form)
    step = text(form, "step")
    if step == "edit":
        return await _composer(request, session, apis, values)
    if step != "send":
        counted = await reach(session, apis, form)
        if isinstance(counted, Problem):
            return await _composer(request, session, apis, values, counted)
        context = {
            "values": values,
            "previews": previews(body),
            "reach": counted,
            "body": body,
            "languages": LANGUAGES,
        }
        return render(request, "broadcasts/preview.html", context)
    answer = await apis.call("notify", "POST", "/broadcasts", session.token, json=body)
    if isinstance(answer, Problem):
        return await _composer(request, session, apis, values, answer)
    return RedirectResponse(f"/broadcasts/{answer.data['broadcast_id']}", status_code=303)


@router.get("/broadcasts/{broadcast_id}", include_in_schema=False)
async def progress(request: Request, broadcast_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    answer = await apis.get("notify", f"/broadcasts/{broadcast_id}", session.token)
    return render(request, "broadcasts/broadcast.html", {"broadcast": answer.data, "languages": LANGUAGES})

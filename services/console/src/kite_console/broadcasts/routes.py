"""The broadcast composer: choose the audience (a division or an organisation and its subtree, party
members only), write the notice in each language, preview it as each language's readers will get it,
see how many people it reaches, confirm, and send it through notify with the user's token.

Notify has no recipient-count or broadcast-preview endpoint yet: the count shown before sending is the
roster's (members registered under the division, or party members of the organisation's subtree, from
its ledgers); notify's own figures (sent, opted out) are on the broadcast's page once it runs. The
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
from kite_console.web.forms import flag, optional, text
from kite_console.web.pages import ApisDep, ConsoleRoute, FormSessionDep, SessionDep, render
from kite_console.web.sessions import Session

router = APIRouter(route_class=ConsoleRoute)
LANGUAGES = {"zh-Hans": "简体中文", "bo": "藏文", "ii": "彝文"}
TEXT_FIELDS = tuple(f"{lang}-{part}" for lang in LANGUAGES for part in ("title", "body"))
FIELDS = ("audience", "division", "organisation", "party_only", "send_at", *TEXT_FIELDS)
SAMPLE_NAME = "（收件人姓名）"


def broadcast_body(form: FormData) -> dict[str, Any]:
    """The notify request the form describes (texts of the languages written; zh-Hans is required by notify)."""
    by_organisation = text(form, "audience") == "organisation"
    texts = {}
    for lang in LANGUAGES:
        title, body = text(form, f"{lang}-title"), text(form, f"{lang}-body")
        if title or body or lang == "zh-Hans":
            texts[lang] = {"title": title, "body": body}
    send_at = text(form, "send_at")
    return {
        "division_code_prefix": None if by_organisation else text(form, "division"),
        "organisation_id": optional(form, "organisation") if by_organisation else None,
        "party_members_only": flag(form, "party_only"),
        "texts": texts,
        "send_at": f"{send_at}:00+08:00" if len(send_at) == 16 else (send_at or None),
    }


def form_errors(problem: Problem | None) -> dict[str, str]:
    """Notify's field errors onto the form: texts.bo.title → bo-title, division_code_prefix → division."""
    if problem is None:
        return {}
    names = {"division_code_prefix": "division", "organisation_id": "organisation", "send_at": "send_at"}
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


async def recipient_count(session: Session, apis: Apis, body: dict[str, Any]) -> int | None:
    """The roster's count of the audience (see the module's note); None when it cannot be read."""
    organisation = body["organisation_id"]
    if organisation or body["party_members_only"]:
        params = {"organisation": organisation, "origin": body["division_code_prefix"], "limit": 1}
        answer = await apis.call("roster", "GET", "/ledgers/party", session.token, params=params)
        return int(answer.data["members"]["total"]) if isinstance(answer, Answer) else None
    prefix = body["division_code_prefix"] or ""
    if not (prefix.isascii() and prefix.isdigit()):
        return None
    answer = await apis.call(
        "roster",
        "GET",
        "/ledgers/registration",
        session.token,
        params={"by": "origin", "origin": prefix, "level": "county", "limit": 1},
    )
    return int(answer.data["total"]) if isinstance(answer, Answer) else None


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
        context = {
            "values": values,
            "previews": previews(body),
            "count": await recipient_count(session, apis, body),
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

"""Cases: the queue by deadline, a case with its timeline, and its verbs posted to casework.

Which buttons a case shows follows its status as casework reports it; whether a verb is allowed is
casework's decision, and its refusal (problem detail) is shown on the page.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import RedirectResponse
from starlette.datastructures import FormData

from kite_console.web import labels
from kite_console.web.api import Answer, PageNotFound, Problem
from kite_console.web.forms import NotAnAmount, fen_of_yuan, field_errors, flag, if_match, optional, text
from kite_console.web.pages import ApisDep, ConsoleRoute, FormSessionDep, SessionDep, render
from kite_console.web.sessions import Session

router = APIRouter(route_class=ConsoleRoute)

ON_THE_CLOCK = ("open", "accepted", "in_progress", "reopened")


def _body(action: str, form: FormData) -> dict[str, Any] | None:
    if action == "progress":
        return {"note": text(form, "note")}
    if action == "resolve":
        return {"outcome": text(form, "outcome"), "summary": text(form, "summary")}
    if action == "follow-ups":
        return {
            "reached": flag(form, "reached"),
            "satisfaction": optional(form, "satisfaction"),
            "comment": text(form, "comment"),
        }
    if action == "transfer":
        return {"to": text(form, "to"), "reason": text(form, "reason")}
    if action in ("suspend", "transfer/decline", "escalate"):  # and withdrawing a referral
        return {"reason": text(form, "reason")}
    if action == "referrals":
        deadline = text(form, "deadline")  # datetime-local, as read in the county: Beijing time
        return {
            "department": text(form, "department"),
            "question": text(form, "question"),
            "deadline": f"{deadline}:00+08:00" if len(deadline) == 16 else (deadline or None),
        }
    if action == "referral-answer":
        return {"reply": text(form, "reply"), "answered_by": text(form, "answered_by")}
    if action == "proxy-services":
        return {"matter": text(form, "matter"), "done_on": optional(form, "done_on"), "note": text(form, "note")}
    if action == "correction":
        return {"amount_fen": fen_of_yuan(text(form, "amount")), "reason": text(form, "reason")}
    if action == "claimed-amount":
        return {"amount_fen": fen_of_yuan(text(form, "amount"))}
    if action == "money":
        return {
            "kind": text(form, "kind"),
            "amount_fen": fen_of_yuan(text(form, "amount")),
            "on": optional(form, "on"),
            "note": text(form, "note"),
        }
    return None


ACTIONS = {
    "accept": "accept",
    "progress": "progress",
    "resolve": "resolve",
    "follow-ups": "follow-ups",
    "close": "close",
    "transfer": "transfer",
    "transfer-accept": "transfer/accept",
    "transfer-decline": "transfer/decline",
    "suspend": "suspend",
    "resume": "resume",
    "escalate": "escalate",
    "refer": "referrals",
    "claimed": "claimed-amount",
    "money": "money",
    "proxy": "proxy-services",
}
# The API's field names as the forms name them (money is typed in yuan, sent in fen).
FORM_FIELDS = {"amount_fen": "amount"}
METHODS = {"claimed-amount": "PUT"}
MONEY_KINDS = {"recovered": "追回款项", "relief_paid": "发放救助金", "funds_raised": "筹集资金"}
PROXY_MATTERS = {
    "": "请选择代办事项",
    "social_insurance": "社保关系转移接续",
    "medical_insurance": "医保异地就医备案",
    "documents": "证明材料代办",
    "schooling": "子女入学手续",
    "household_registration": "户籍证件办理",
    "labour_arbitration": "劳动仲裁申请",
    "other": "其他代办事项",
}


def available_actions(case: dict[str, Any], session: Session) -> list[str]:
    """The forms worth showing for the case's status (casework still decides each one)."""
    status = case["status"]
    owner = case.get("accepted_by") == session.subject
    if case.get("pending_transfer_to") == session.subject:
        return ["transfer-accept", "transfer-decline"]
    if status == "open":
        return ["accept", "escalate"]
    if status in ("accepted", "in_progress", "reopened"):
        if not owner:
            return [] if case.get("suspended") else ["escalate"]
        if case.get("suspended"):
            return ["resume"]
        return ["progress", "resolve", "transfer", "suspend", "escalate"]
    if status == "resolved":
        return ["follow-ups", "close"] if owner else ["follow-ups"]
    return []


def money_actions(case: dict[str, Any], session: Session) -> list[str]:
    """The referral and money forms, for the case's owner (casework decides each one)."""
    if case.get("accepted_by") != session.subject or case["status"] == "closed":
        return []
    return ["refer", "claimed", "money"] if case["status"] in ON_THE_CLOCK else ["claimed", "money"]


def proxy_actions(case: dict[str, Any], session: Session) -> list[str]:
    """代办 is recorded by any caseworker of the case's places while the case is not closed (casework
    decides; a case outside the caller's places is not shown at all)."""
    return ["proxy"] if session.has_any("caseworker") and case["status"] != "closed" else []


@router.get("/cases", include_in_schema=False)
async def queue(
    request: Request,
    session: SessionDep,
    apis: ApisDep,
    view: Annotated[Literal["mine", "all"], Query()] = "all",
    cursor: Annotated[str | None, Query(max_length=512)] = None,
) -> Response:
    params: dict[str, Any] = {"sort": "deadline", "limit": 50, "cursor": cursor}
    if view == "mine":
        params["accepted_by"] = session.subject
    answer = await apis.call("casework", "GET", "/cases", session.token, params=params)
    return render(
        request,
        "cases/queue.html",
        {
            "view": view,
            "page": answer.data if isinstance(answer, Answer) else None,
            "problem": answer if isinstance(answer, Problem) else None,
            "on_the_clock": ON_THE_CLOCK,
            "urgencies": labels.URGENCIES,
        },
    )


async def _case_context(session: Session, apis: ApisDep, case_id: uuid.UUID) -> dict[str, Any]:
    case = await apis.get("casework", f"/cases/{case_id}", session.token)
    timeline, referrals, money, departments = await asyncio.gather(
        apis.call("casework", "GET", f"/cases/{case_id}/timeline", session.token),
        apis.call("casework", "GET", f"/cases/{case_id}/referrals", session.token),
        apis.call("casework", "GET", f"/cases/{case_id}/money", session.token),
        apis.call("casework", "GET", "/referral-departments", session.token),
    )
    actions = (
        available_actions(case.data, session) + money_actions(case.data, session) + proxy_actions(case.data, session)
    )
    ledger = money.data if isinstance(money, Answer) else None
    return {
        "case": case.data,
        "timeline": timeline.data["entries"] if isinstance(timeline, Answer) else [],
        "referrals": referrals.data["items"] if isinstance(referrals, Answer) else [],
        "money": ledger,
        # the entries whose correction form is shown: the owner's, not yet reversed (casework decides)
        "correctable": [str(e["entry_id"]) for e in ledger["entries"] if not e["reversed"]]
        if ledger and "money" in actions
        else [],
        "departments": {"": "请选择部门"}
        | ({d["code"]: d["full_name"] for d in departments.data} if isinstance(departments, Answer) else {}),
        "money_kinds": MONEY_KINDS,
        "proxy_matters": PROXY_MATTERS,
        "actions": actions,
        "labels": labels,
        "on_the_clock": ON_THE_CLOCK,
        "problem": None,
        "failed_action": None,
        "errors": {},
        "values": {},
    }


@router.get("/cases/{case_id}", include_in_schema=False)
async def case_page(request: Request, case_id: uuid.UUID, session: SessionDep, apis: ApisDep) -> Response:
    return render(request, "cases/case.html", await _case_context(session, apis, case_id))


@router.post("/cases/{case_id}/referrals/{referral_id}/answer", include_in_schema=False)
async def answer_referral(
    request: Request, case_id: uuid.UUID, referral_id: uuid.UUID, session: FormSessionDep, apis: ApisDep
) -> Response:
    return await _send(request, case_id, f"referral-{referral_id}", f"referrals/{referral_id}/answer", session, apis)


@router.post("/cases/{case_id}/referrals/{referral_id}/withdraw", include_in_schema=False)
async def withdraw_referral(
    request: Request, case_id: uuid.UUID, referral_id: uuid.UUID, session: FormSessionDep, apis: ApisDep
) -> Response:
    return await _send(request, case_id, f"withdraw-{referral_id}", f"referrals/{referral_id}/withdraw", session, apis)


@router.post("/cases/{case_id}/money/{entry_id}/correct", include_in_schema=False)
async def correct_money(
    request: Request, case_id: uuid.UUID, entry_id: uuid.UUID, session: FormSessionDep, apis: ApisDep
) -> Response:
    """更正 or 冲销 (amount 0) one money entry, with its reason."""
    return await _send(request, case_id, f"correct-{entry_id}", f"money/{entry_id}/corrections", session, apis)


@router.post("/cases/{case_id}/{action}", include_in_schema=False)
async def act(request: Request, case_id: uuid.UUID, action: str, session: FormSessionDep, apis: ApisDep) -> Response:
    path = ACTIONS.get(action)
    if path is None:
        raise PageNotFound
    return await _send(request, case_id, action, path, session, apis)


async def _send(
    request: Request, case_id: uuid.UUID, action: str, path: str, session: Session, apis: ApisDep
) -> Response:
    """One form's verb sent to casework; its refusal is shown on the case page, by field, with what was typed."""
    form = await request.form()
    kind = (
        "referral-answer"
        if path.endswith("/answer")
        else "suspend"
        if path.endswith("/withdraw")
        else "correction"
        if path.endswith("/corrections")
        else path
    )
    try:
        body = _body(kind, form)
    except NotAnAmount as exc:
        answer: Answer | Problem = Problem(422, "金额填写有误", str(exc), {"amount": str(exc)})
    else:
        answer = await apis.call(
            "casework",
            METHODS.get(path, "POST"),
            f"/cases/{case_id}/{path}",
            session.token,
            json=body,
            if_match=if_match(form),
        )
    if isinstance(answer, Problem):
        context = await _case_context(session, apis, case_id)
        context.update(
            problem=answer,
            failed_action=action,
            errors={FORM_FIELDS.get(k, k): v for k, v in field_errors(answer).items()},
            values={k: text(form, k) for k in form if k not in ("csrf_token", "version")},
        )
        return render(request, "cases/case.html", context, status_code=answer.status)
    return RedirectResponse(f"/cases/{case_id}", status_code=303)

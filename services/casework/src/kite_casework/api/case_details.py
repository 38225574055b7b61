"""/cases/{id}/referrals (部门转交: refer, answer, withdraw), /cases/{id}/claimed-amount,
/cases/{id}/money (追回、救助金、筹集资金 in fen), /cases/{id}/employer, and the departments a case
can be referred to."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query, Response
from kite_common.auth import Principal, Role, require_roles
from kite_common.clock import utcnow
from kite_common.http.app import RuntimeDep as Runtime
from kite_common.http.preconditions import IfMatch
from kite_common.http.problems import Problem
from kite_common.ids import new_id

from kite_casework.api.cases import _case_response
from kite_casework.api.intake import money_totals
from kite_casework.api.schemas import (
    CaseResponse,
    ClaimedAmountRequest,
    DepartmentResponse,
    EmployerBody,
    MoneyCorrection,
    MoneyCorrectionRequest,
    MoneyEntry,
    MoneyEntryRequest,
    MoneyLedger,
    ProxyServiceRequest,
    ReasonRequest,
    ReferralAnswerRequest,
    ReferralPage,
    ReferralRequest,
    ReferralResponse,
    Referrals,
)
from kite_casework.application.answer_referral import answer_referral
from kite_casework.application.case_detail_queries import ReferralFilter, case_money, case_referrals, referral_queue
from kite_casework.application.claim_amount import claim_amount
from kite_casework.application.correct_money import correct_money
from kite_casework.application.name_employer import name_employer
from kite_casework.application.record_money import record_money
from kite_casework.application.record_proxy_service import record_proxy_service
from kite_casework.application.refer_case import refer_case
from kite_casework.application.withdraw_referral import withdraw_referral
from kite_casework.domain.departments import DEPARTMENTS, department
from kite_casework.domain.employer import employer_link
from kite_casework.domain.money import MoneyKind

router = APIRouter(tags=["cases"])

Reader = Annotated[Principal, Depends(require_roles(Role.CASEWORKER, Role.VIEWER))]
Writer = Annotated[Principal, Depends(require_roles(Role.CASEWORKER))]
_STATE_LABELS = {"open": "待答复", "answered": "已答复", "withdrawn": "已撤回"}


class ReferralState(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    WITHDRAWN = "withdrawn"


@router.get("/referral-departments", response_model=list[DepartmentResponse], summary="可转交的部门")
async def departments(principal: Reader) -> list[DepartmentResponse]:
    return [DepartmentResponse(code=d.code, name=d.name, full_name=d.full_name) for d in DEPARTMENTS.values()]


@router.post(
    "/cases/{case_id}/referrals",
    status_code=201,
    response_model=CaseResponse,
    summary="转交部门（仅负责人；负责人仍负责，部门在期限内答复）",
)
async def refer(
    case_id: uuid.UUID,
    body: ReferralRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    if body.deadline.tzinfo is None:
        raise Problem("deadline 应带时区，如 2025-01-01T08:00:00+08:00", status=422, code="validation")
    referral_id = new_id()
    await refer_case(
        runtime.unit_of_work(),
        principal,
        case_id,
        referral_id,
        body.department,
        body.question,
        body.deadline,
        if_match,
        utcnow(),
    )
    response.headers["Location"] = f"/cases/{case_id}/referrals#{referral_id}"
    return await _case_response(runtime, principal, case_id, response)


@router.post(
    "/cases/{case_id}/referrals/{referral_id}/answer",
    response_model=CaseResponse,
    summary="登记部门答复（逾期答复照收并标明逾期）",
)
async def answer(
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    body: ReferralAnswerRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await answer_referral(
        runtime.unit_of_work(), principal, case_id, referral_id, body.reply, body.answered_by, if_match, utcnow()
    )
    return await _case_response(runtime, principal, case_id, response)


@router.post(
    "/cases/{case_id}/referrals/{referral_id}/withdraw", response_model=CaseResponse, summary="撤回转交（仅负责人）"
)
async def withdraw(
    case_id: uuid.UUID,
    referral_id: uuid.UUID,
    body: ReasonRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await withdraw_referral(runtime.unit_of_work(), principal, case_id, referral_id, body.reason, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.get("/cases/{case_id}/referrals", response_model=Referrals, summary="部门转交及答复")
async def referrals(case_id: uuid.UUID, principal: Reader, runtime: Runtime) -> Referrals:
    async with runtime.pool.acquire() as conn:
        rows = await case_referrals(conn, principal, case_id)
    now = utcnow()
    return Referrals(case_id=case_id, items=[_referral(r, now) for r in rows])


def _referral(row: asyncpg.Record, now: datetime) -> ReferralResponse:
    known = department(row["department"])
    return ReferralResponse(
        **dict(row),
        department_name=known.name if known else row["department"],
        state_label=_STATE_LABELS[row["state"]],
        overdue=row["state"] == "open" and row["department_deadline"] < now,
    )


@router.get("/referrals", response_model=ReferralPage, summary="部门转交队列（按答复期限，逾期在前）")
async def referral_queue_(
    principal: Reader,
    runtime: Runtime,
    department_code: Annotated[str | None, Query(alias="department", max_length=50, description="部门代码")] = None,
    state: Annotated[
        ReferralState | None, Query(description="open 待答复 / answered 已答复 / withdrawn 已撤回")
    ] = None,
    overdue: Annotated[bool | None, Query(description="true：待答复且已过答复期限")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> ReferralPage:
    if department_code is not None and department(department_code) is None:
        raise Problem(
            "未知的部门",
            status=422,
            code="department-unknown",
            errors=[{"field": "department", "code": "unknown", "message": "未知的部门"}],
        )
    now = utcnow()
    f = ReferralFilter(department_code, state.value if state else None, overdue)
    async with runtime.pool.acquire() as conn:
        rows, next_cursor = await referral_queue(conn, principal, f, limit, cursor, now)
    return ReferralPage(items=[_referral(r, now) for r in rows], next_cursor=next_cursor)


@router.put("/cases/{case_id}/claimed-amount", response_model=CaseResponse, summary="登记或更正诉求金额（单位：分）")
async def claimed_amount(
    case_id: uuid.UUID,
    body: ClaimedAmountRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await claim_amount(runtime.unit_of_work(), principal, case_id, body.amount_fen, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)


@router.post(
    "/cases/{case_id}/money",
    status_code=201,
    response_model=CaseResponse,
    summary="登记款项：追回（可多笔）、发放救助金、筹集资金（单位：分，仅负责人）",
)
async def money(
    case_id: uuid.UUID,
    body: MoneyEntryRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await record_money(
        runtime.unit_of_work(),
        principal,
        case_id,
        new_id(),
        body.kind,
        body.amount_fen,
        body.on,
        body.note,
        if_match,
        utcnow(),
    )
    return await _case_response(runtime, principal, case_id, response)


@router.post(
    "/cases/{case_id}/money/{entry_id}/corrections",
    status_code=201,
    response_model=CaseResponse,
    summary="更正或冲销一笔款项（单位：分，0 为冲销；须写明原因，仅负责人）",
    responses={
        404: {"description": "诉求或款项记录不存在"},
        409: {"description": "该款项已冲销，或诉求已结案"},
        412: {"description": "If-Match 版本已过期"},
    },
)
async def correct_money_entry(
    case_id: uuid.UUID,
    entry_id: uuid.UUID,
    body: MoneyCorrectionRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await correct_money(
        runtime.unit_of_work(), principal, case_id, new_id(), entry_id, body.amount_fen, body.reason, if_match, utcnow()
    )
    return await _case_response(runtime, principal, case_id, response)


@router.post(
    "/cases/{case_id}/proxy-services",
    status_code=201,
    response_model=CaseResponse,
    summary="登记代办：本单位为求助人代为办理的事项（计入代办台账）",
    responses={409: {"description": "诉求已结案"}, 412: {"description": "If-Match 版本已过期"}},
)
async def proxy_service(
    case_id: uuid.UUID,
    body: ProxyServiceRequest,
    principal: Writer,
    runtime: Runtime,
    response: Response,
    if_match: IfMatch,
) -> CaseResponse:
    await record_proxy_service(
        runtime.unit_of_work(),
        principal,
        case_id,
        new_id(),
        body.matter,
        body.done_on,
        body.note,
        if_match,
        utcnow(),
        office_id=body.office_id,
    )
    return await _case_response(runtime, principal, case_id, response)


@router.get("/cases/{case_id}/money", response_model=MoneyLedger, summary="款项明细与合计（单位：分）")
async def money_ledger(case_id: uuid.UUID, principal: Reader, runtime: Runtime) -> MoneyLedger:
    async with runtime.pool.acquire() as conn:
        case, rows, corrections = await case_money(conn, principal, case_id)
    by_entry: dict[uuid.UUID, list[MoneyCorrection]] = {}
    for c in corrections:
        by_entry.setdefault(c["entry_id"], []).append(
            MoneyCorrection(
                correction_id=c["correction_id"],
                amount_fen=c["amount_fen"],
                replaces_fen=c["replaces_fen"],
                reason=c["reason"],
                corrected_by=c["corrected_by"],
                corrected_at=c["corrected_at"],
            )
        )
    entries = [
        MoneyEntry(
            entry_id=r["entry_id"],
            kind=MoneyKind(r["kind"]),
            kind_label=MoneyKind(r["kind"]).label,
            amount_fen=r["amount_fen"],
            current_fen=r["current_fen"],
            reversed=r["current_fen"] == 0,
            corrections=by_entry.get(r["entry_id"], []),
            on=r["on_date"],
            note=r["note"],
            recorded_by=r["recorded_by"],
            recorded_at=r["recorded_at"],
        )
        for r in rows
    ]
    return MoneyLedger(case_id=case_id, totals=money_totals(case), entries=entries)


@router.put(
    "/cases/{case_id}/employer",
    response_model=CaseResponse,
    summary="登记用人单位（欠薪、工伤、劳动争议类；用人单位编号，或名称和统一社会信用代码）",
)
async def employer(
    case_id: uuid.UUID, body: EmployerBody, principal: Writer, runtime: Runtime, response: Response, if_match: IfMatch
) -> CaseResponse:
    link = employer_link(body.employer_id, body.name, body.credit_code, body.posting_id, body.placement_id)
    await name_employer(runtime.unit_of_work(), principal, case_id, link, if_match, utcnow())
    return await _case_response(runtime, principal, case_id, response)

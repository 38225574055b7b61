"""The timeline's words for referrals, money and the employer (GET /cases/{id}/timeline)."""

from __future__ import annotations

from kite_common.events import EventPayload

from kite_casework.domain import case_detail_events as dev
from kite_casework.domain.departments import department
from kite_casework.domain.working_days import CHINA


def yuan(fen: int) -> str:
    """12345 fen → "123.45元"."""
    return f"{fen // 100}.{fen % 100:02d}元"


def _department_name(code: str) -> str:
    known = department(code)
    return known.name if known else code


def detail_timeline_entry(payload: EventPayload) -> tuple[str, str, str] | None:
    match payload:
        case dev.CaseReferred():
            deadline = payload.department_deadline.isoformat(timespec="minutes")
            what = f"转交{_department_name(payload.department)}，答复期限 {deadline}：{payload.question}"
            return "转交部门", payload.referred_by, what
        case dev.CaseReferralAnswered():
            late = "（逾期答复）" if payload.late else ""
            return "部门答复", payload.recorded_by, f"{payload.answered_by}答复{late}：{payload.reply}"
        case dev.CaseReferralOverdue():
            deadline = payload.department_deadline.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
            return "转交逾期", "system", f"{_department_name(payload.department)}未在 {deadline} 前答复"
        case dev.CaseReferralWithdrawn():
            return "撤回转交", payload.withdrawn_by, payload.reason
        case dev.CaseAmountClaimed():
            return "登记诉求金额", payload.claimed_by, yuan(payload.amount_fen)
        case dev.CaseMoneyRecorded():
            what = f"{payload.on.isoformat()} {yuan(payload.amount_fen)}：{payload.note}"
            return payload.kind.label, payload.recorded_by, what
        case dev.CaseMoneyCorrected():
            done = "冲销" if payload.amount_fen == 0 else f"更正为 {yuan(payload.amount_fen)}"
            what = f"{payload.kind.label} {yuan(payload.replaces_fen)} {done}：{payload.reason}"
            return "更正款项", payload.corrected_by, what
        case dev.CaseProxyServiceRecorded():
            return "代办", payload.recorded_by, f"{payload.done_on.isoformat()} {payload.matter.label}：{payload.note}"
        case dev.CaseEmployerNamed():
            named = payload.employer_name or ""
            if payload.employer_credit_code:
                named += f"（{payload.employer_credit_code}）"
            if payload.employer_id:
                named += f" 用人单位编号 {payload.employer_id}"
            return "登记用人单位", payload.named_by, named.strip()
    return None

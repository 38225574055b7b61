"""Keeps `case_timeline`: every step of a case, in stream order, with who did it, when, and what it
was in Chinese (GET /cases/{id}/timeline)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import Applied

from kite_casework.adapters.case_details_timeline import detail_timeline_entry
from kite_casework.domain import deadline_events as dlev
from kite_casework.domain import events as ev
from kite_casework.domain.working_days import CHINA


class CaseTimelineProjection:
    name = "case-timeline"
    tables = ("case_timeline",)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        row = _row(event, payload)
        if row is not None:
            await conn.execute(_INSERT, *row)

    async def apply_many(self, conn: Connection, items: Sequence[Applied]) -> None:
        """Every step is an INSERT of its own row: many go in one executemany (a bulk append, a rebuild)."""
        rows = [row for row in (_row(event, payload) for event, payload in items) if row is not None]
        if rows:
            await conn.executemany(_INSERT, rows)


_INSERT = """INSERT INTO case_timeline (case_id, position, kind, label, actor, at, detail)
             VALUES ($1, $2, $3, $4, $5, $6, $7)"""


def _row(event: EventEnvelope, payload: EventPayload) -> tuple[Any, ...] | None:
    entry = timeline_entry(payload)
    if entry is None:
        return None
    label, actor, detail = entry
    case_id = payload.case_id  # type: ignore[attr-defined]  # every casework event names its case
    return (case_id, event.stream_version, payload.event_name, label, actor, event.time, detail)


def timeline_entry(payload: EventPayload) -> tuple[str, str, str] | None:
    """(label, actor, detail) of a step, or None for an event that is not one."""
    detail = detail_timeline_entry(payload)
    if detail is not None:
        return detail
    match payload:
        case ev.CaseOpened():
            what = f"{payload.category.label}，{payload.urgency.label}，{payload.sla_tier.label}"
            return "登记诉求", payload.opened_by, f"{what}：{payload.description}"
        case ev.CaseAccepted():
            return "受理（首问负责）", payload.accepted_by, ""
        case ev.CaseProgressNoted():
            return "办理进展", payload.noted_by, payload.note
        case ev.CaseResolved():
            return "办结", payload.resolved_by, f"{payload.outcome.label}：{payload.summary}"
        case ev.CaseFollowUpRecorded():
            if payload.satisfaction is not None:
                said = f"已联系上，{payload.satisfaction.label}"
            else:
                said = f"未联系上（第 {payload.attempt} 次回访）"
            return "回访", payload.recorded_by, f"{said}：{payload.comment}" if payload.comment else said
        case ev.CaseClosed():
            return "结案", payload.closed_by, payload.reason.label
        case ev.CaseReopened():
            return "重新办理", payload.reopened_by, f"回访不满意，退回 {payload.owner} 重新办理并重新计时"
        case ev.CaseTransferRequested():
            return "申请转办", payload.requested_by, f"转给 {payload.to}：{payload.reason}"
        case ev.CaseTransferAccepted():
            return "接收转办", payload.accepted_by, f"由 {payload.previous_owner} 转来"
        case ev.CaseTransferDeclined():
            return "拒绝转办", payload.declined_by, payload.reason
        case ev.CaseSuspended():
            return "暂停办理", payload.suspended_by, payload.reason
        case ev.CaseResumed():
            return "恢复办理", payload.resumed_by, "暂停期间不计时，截止时间相应顺延"
        case dlev.CaseSlaWarning():
            return "临期预警", "system", f"截止时间 {_china_time(payload.deadline)}"
        case dlev.CaseSlaBreached():
            return "超期", "system", f"截止时间 {_china_time(payload.deadline)} 已过，仍未办结"
        case dlev.CaseEscalated():
            how = "手动上报" if payload.manual else "超期自动上报"
            to = f"{payload.level.label}：{payload.office_name}（{payload.division_code}）督办"
            until = f"新截止时间 {_china_time(payload.deadline)}"
            return "上报督办", payload.escalated_by, f"{how}至{to}，{until}：{payload.reason}"
    return None


def _china_time(moment: datetime) -> str:
    return moment.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")

"""Keeps the `cases` read model from casework events."""

from __future__ import annotations

from typing import Any

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_casework.adapters.batched import OpenedInRuns
from kite_casework.domain import deadline_events as dev
from kite_casework.domain import events as ev
from kite_casework.domain.case import CaseStatus
from kite_casework.domain.events import CaseAccepted, CaseOpened


class CaseProjection(OpenedInRuns):
    name = "cases"
    tables = ("cases",)

    opened_sql = """INSERT INTO cases (case_id, member_id, origin_division_code, category, urgency, description,
                       sla_tier, opened_at, deadline, opened_by, status, version, clock_deadline,
                       channel, source_system, external_reference, work_division_code)
                   VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$9,$13,$14,$15,$16)"""

    def opened_row(self, event: EventEnvelope, payload: CaseOpened) -> tuple[Any, ...]:
        return (
            payload.case_id,
            payload.member_id,
            payload.origin_division_code,
            payload.category.value,
            payload.urgency.value,
            payload.description,
            payload.sla_tier.value,
            event.time,
            payload.deadline,
            payload.opened_by,
            CaseStatus.OPEN.value,
            event.stream_version,
            payload.channel.value if payload.channel else None,
            payload.source_system,
            payload.external_reference,
            payload.work_division_code,
        )

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, CaseOpened):
            await conn.execute(self.opened_sql, *self.opened_row(event, payload))
            return
        change = _change(payload)
        if change is None:
            return
        sets, values = change
        assignments = ", ".join(f"{column} = {expr}" for column, expr in sets.items())
        await conn.execute(
            f"UPDATE cases SET {assignments}, version = $2 WHERE case_id = $1",
            payload.case_id,  # type: ignore[attr-defined]  # every casework event names its case
            event.stream_version,
            *values,
        )


def _change(payload: EventPayload) -> tuple[dict[str, str], list[Any]] | None:
    """The columns an event sets ($3 onwards are `values`), or None for an event the table ignores."""
    if isinstance(payload, CaseAccepted):
        return {"status": "$3", "accepted_by": "$4", "accepted_at": "$5"}, [
            CaseStatus.ACCEPTED.value,
            payload.accepted_by,
            payload.accepted_at,
        ]
    if isinstance(payload, ev.CaseProgressNoted):
        moves = f"CASE WHEN status IN ('{CaseStatus.ACCEPTED}', '{CaseStatus.REOPENED}') THEN $3 ELSE status END"
        return {"progress_count": "progress_count + 1", "status": moves}, [CaseStatus.IN_PROGRESS.value]
    if isinstance(payload, ev.CaseResolved):
        sets = {
            "status": "$3",
            "outcome": "$4",
            "resolution": "$5",
            "resolved_by": "$6",
            "resolved_at": "$7",
            "pending_transfer_to": "NULL",
            "follow_up_attempts": "0",
            "satisfaction": "NULL",
            "clock_deadline": "NULL",
        }
        values = [CaseStatus.RESOLVED.value, payload.outcome.value, payload.summary]
        return sets, [*values, payload.resolved_by, payload.resolved_at]
    if isinstance(payload, ev.CaseFollowUpRecorded):
        satisfaction = payload.satisfaction.value if payload.satisfaction else None
        return {"follow_up_attempts": "$3", "satisfaction": "$4"}, [payload.attempt, satisfaction]
    if isinstance(payload, ev.CaseClosed):
        sets = {"status": "$3", "closed_at": "$4", "close_reason": "$5", "clock_deadline": "NULL"}
        return sets, [CaseStatus.CLOSED.value, payload.closed_at, payload.reason.value]
    if isinstance(payload, ev.CaseReopened):
        sets = {"status": "$3", "accepted_by": "$4", "deadline": "$5", "clock_deadline": "$5"}
        return sets, [CaseStatus.REOPENED.value, payload.owner, payload.deadline]
    if isinstance(payload, ev.CaseTransferRequested):
        return {"pending_transfer_to": "$3"}, [payload.to]
    if isinstance(payload, ev.CaseTransferAccepted):
        sets = {"accepted_by": "$3", "accepted_at": "$4", "pending_transfer_to": "NULL"}
        return sets, [payload.accepted_by, payload.accepted_at]
    if isinstance(payload, ev.CaseTransferDeclined):
        return {"pending_transfer_to": "NULL"}, []
    if isinstance(payload, ev.CaseSuspended):
        return {"suspended": "true", "suspended_since": "$3", "clock_deadline": "NULL"}, [payload.suspended_at]
    if isinstance(payload, ev.CaseResumed):
        sets = {"suspended": "false", "suspended_since": "NULL", "deadline": "$3", "clock_deadline": "$3"}
        return sets, [payload.deadline]
    return _deadline_change(payload)


def _deadline_change(payload: EventPayload) -> tuple[dict[str, str], list[Any]] | None:
    """限时办结 and 四级联动: warned, breached, escalated (a new deadline and a supervising office)."""
    if isinstance(payload, dev.CaseSlaWarning):
        return {"sla_warned_for": "$3"}, [payload.deadline]
    if isinstance(payload, dev.CaseSlaBreached):
        return {"sla_breached_for": "$3"}, [payload.deadline]
    if isinstance(payload, dev.CaseEscalated):
        sets = {
            "deadline": "$3",
            "clock_deadline": "$3",
            "escalation_level": "$4",
            "supervisor_division_code": "$5",
            "supervisor_office_id": "$6",
            "supervisor_office_name": "$7",
        }
        values = [payload.deadline, payload.level.value, payload.division_code, payload.office_id]
        return sets, [*values, payload.office_name]
    return None

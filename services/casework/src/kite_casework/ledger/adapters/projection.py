"""Keeps `service_ledger_cases`, the facts of each case that the service ledger (服务台账) counts, and
`service_ledger_counts`, what they count per place and month (each change adds the difference it makes,
read in the statement that makes it: adapters/counts.py)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload
from kite_common.projection import Applied

from kite_casework.adapters.batched import OpenedInRuns
from kite_casework.certificates.domain.events import CertificateIssued, CertificateRevoked
from kite_casework.domain import case_detail_events as details
from kite_casework.domain import deadline_events as dev
from kite_casework.domain import events as ev
from kite_casework.domain.case import CaseStatus
from kite_casework.domain.money import MoneyKind
from kite_casework.domain.working_days import CHINA
from kite_casework.ledger.adapters import counts
from kite_casework.ledger.domain.counts import CaseFacts, Counts, case_counts

UNKNOWN_CHANNEL = "unknown"


def month_of(moment: datetime) -> date:
    return moment.astimezone(CHINA).date().replace(day=1)


def channel_of(payload: ev.CaseOpened) -> str:
    """The intake channel the opening event names; unknown for cases opened before it was recorded."""
    channel: Any = getattr(payload, "channel", None)
    if channel is None:
        return UNKNOWN_CHANNEL
    return str(getattr(channel, "value", channel))


class ServiceLedgerProjection(OpenedInRuns):
    name = "service-ledger"
    tables = (
        "service_ledger_cases",
        "service_ledger_certificates",
        "service_ledger_proxy",
        "service_ledger_counts",
        "service_ledger_increments",
    )

    opened_sql = """INSERT INTO service_ledger_cases (case_id, month, county_code, city_code, category, channel,
                       status, sla_tier, opened_at, deadline, origin_code, work_code, office_id)
                   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
                   ON CONFLICT (case_id) DO NOTHING"""

    def opened_row(self, event: EventEnvelope, payload: ev.CaseOpened) -> tuple[Any, ...]:
        return (
            payload.case_id,
            month_of(event.time),
            payload.origin_division_code[:6],
            payload.origin_division_code[:4],
            payload.category.value,
            channel_of(payload),
            CaseStatus.OPEN.value,
            payload.sla_tier.value,
            event.time,
            payload.deadline,
            payload.origin_division_code,
            payload.work_division_code,
            payload.office_id,
        )

    async def apply_many(self, conn: Connection, items: Sequence[Applied]) -> None:
        """A run of openings goes in as one `executemany`, and what the new ones count in one statement."""
        run: list[Sequence[Any]] = []
        for envelope, payload in items:
            if isinstance(payload, ev.CaseOpened):
                run.append(self.opened_row(envelope, payload))
                continue
            if _ignored(payload):
                continue  # changes nothing here, so it need not end the run (a warning, a breach…)
            if run:
                await self._open(conn, run)
                run = []
            await self.apply(conn, envelope, payload)
        if run:
            await self._open(conn, run)

    async def _open(self, conn: Connection, run: list[Sequence[Any]]) -> None:
        ids = [row[0] for row in run]
        known = await conn.fetch("SELECT case_id FROM service_ledger_cases WHERE case_id = ANY($1::uuid[])", ids)
        await conn.executemany(self.opened_sql, run)
        seen = {r["case_id"] for r in known}
        total: Counts = Counter()
        for row in run:
            if row[0] not in seen:
                total.update(case_counts(_opened_facts(row)))
        await counts.add(conn, total)

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        if isinstance(payload, CertificateIssued):
            row = (
                payload.certificate_id,
                month_of(payload.issued_at),
                payload.origin_division_code,
                payload.template,
                payload.office_id,
            )
            await counts.issue_certificate(conn, row)
            return
        if isinstance(payload, CertificateRevoked):
            await counts.revoke_certificate(conn, payload.certificate_id)
            return
        if isinstance(payload, details.CaseProxyServiceRecorded):
            await conn.execute(
                """INSERT INTO service_ledger_proxy (service_id, case_id, month, office_code, matter, office_id)
                   VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (service_id) DO NOTHING""",
                payload.service_id,
                payload.case_id,
                payload.done_on.replace(day=1),
                payload.office_division_code,
                payload.matter.value,
                payload.office_id,
            )
            return
        if isinstance(payload, ev.CaseOpened):
            row = self.opened_row(event, payload)
            if await conn.fetchval(f"{self.opened_sql} RETURNING true", *row):
                await counts.add(conn, case_counts(_opened_facts(row)))
            return
        change = _change(payload)
        if change is None:
            return
        if isinstance(payload, _ADDING) and not await counts.first_time(conn, event.id):
            return  # a redelivered money entry, correction or escalation adds nothing again
        sets, values = change
        assignments = ", ".join(f"{column} = {expr}" for column, expr in sets.items())
        case_id = payload.case_id  # type: ignore[attr-defined]  # every casework event names its case
        await counts.update_case(conn, case_id, assignments, values)


MONEY_COLUMNS = {
    MoneyKind.RECOVERED: "recovered_fen",
    MoneyKind.RELIEF_PAID: "relief_paid_fen",
    MoneyKind.FUNDS_RAISED: "funds_raised_fen",
}


def _opened_facts(row: Sequence[Any]) -> CaseFacts:
    """What a case just opened counts: the facts of its `opened_row`."""
    _, month, _, _, category, channel, status, tier, _, _, origin, work, office = row
    money = dict.fromkeys(("claimed", "recovered", "relief_paid", "funds_raised"), 0)
    return CaseFacts(
        month,
        origin,
        work,
        status,
        category,
        channel,
        tier,
        None,
        None,
        None,
        None,
        0,
        money,
        office_id=None if office is None else str(office),
    )


def _ignored(payload: EventPayload) -> bool:
    """Whether the ledger takes nothing from an event."""
    kept = (CertificateIssued, CertificateRevoked, details.CaseProxyServiceRecorded, ev.CaseOpened)
    return not isinstance(payload, kept) and _change(payload) is None


# Events whose change adds to what the case had: applied once per event id.
_ADDING = (details.CaseMoneyRecorded, details.CaseMoneyCorrected, dev.CaseEscalated)


def _change(payload: EventPayload) -> tuple[dict[str, str], list[Any]] | None:
    """The columns an event sets ($2 onwards are `values`), or None for an event the ledger ignores."""
    seconds_since_opening = "EXTRACT(EPOCH FROM ($3::timestamptz - opened_at))"
    match payload:
        case ev.CaseAccepted():
            sets = {"status": "$2", "accept_seconds": f"COALESCE(accept_seconds, {seconds_since_opening})"}
            return sets, [CaseStatus.ACCEPTED.value, payload.accepted_at]
        case ev.CaseProgressNoted():
            moves = f"CASE WHEN status IN ('{CaseStatus.ACCEPTED}', '{CaseStatus.REOPENED}') THEN $2 ELSE status END"
            return {"status": moves}, [CaseStatus.IN_PROGRESS.value]
        case ev.CaseResolved():
            sets = {
                "status": "$2",
                "resolve_seconds": f"COALESCE(resolve_seconds, {seconds_since_opening})",
                "resolved_on_time": "COALESCE(resolved_on_time, $3::timestamptz <= deadline)",
            }
            return sets, [CaseStatus.RESOLVED.value, payload.resolved_at]
        case ev.CaseFollowUpRecorded() if payload.satisfaction is not None:
            return {"satisfaction": "$2"}, [payload.satisfaction.value]
        case ev.CaseClosed():
            return {"status": "$2"}, [CaseStatus.CLOSED.value]
        case ev.CaseReopened():
            return {"status": "$2", "deadline": "$3"}, [CaseStatus.REOPENED.value, payload.deadline]
        case ev.CaseResumed():
            return {"deadline": "$2"}, [payload.deadline]
        case dev.CaseEscalated():
            return {"deadline": "$2", "escalations": "escalations + 1"}, [payload.deadline]
        case details.CaseAmountClaimed():
            return {"claimed_fen": "$2"}, [payload.amount_fen]
        case details.CaseMoneyRecorded():
            column = MONEY_COLUMNS[payload.kind]
            return {column: f"{column} + $2"}, [payload.amount_fen]
        case details.CaseMoneyCorrected():
            column = MONEY_COLUMNS[payload.kind]
            return {column: f"{column} + $2"}, [payload.amount_fen - payload.replaces_fen]
    return None

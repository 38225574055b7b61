"""Keeps a case's referrals, money and employer: the `case_referrals` and `case_money_entries`
tables and the summary columns of `cases` (open referrals, totals in fen, the employer). Runs after
the case projection, which inserts the `cases` row."""

from __future__ import annotations

from kite_common.db.types import Connection
from kite_common.events import EventEnvelope, EventPayload

from kite_casework.domain import case_detail_events as dev
from kite_casework.domain.money import MoneyKind

_TOTAL = {
    MoneyKind.RECOVERED: "recovered_fen",
    MoneyKind.RELIEF_PAID: "relief_paid_fen",
    MoneyKind.FUNDS_RAISED: "funds_raised_fen",
}


class CaseDetailsProjection:
    name = "case-details"
    tables = ("case_referrals", "case_money_entries", "case_money_corrections")

    async def apply(self, conn: Connection, event: EventEnvelope, payload: EventPayload) -> None:
        version = event.stream_version
        match payload:
            case dev.CaseReferred():
                await conn.execute(
                    """INSERT INTO case_referrals (referral_id, case_id, department, question, department_deadline,
                           referred_by, referred_at, state, origin_division_code, work_division_code)
                       SELECT $1, $2, $3, $4, $5, $6, $7, 'open', origin_division_code, work_division_code
                       FROM cases WHERE case_id = $2""",
                    payload.referral_id,
                    payload.case_id,
                    payload.department,
                    payload.question,
                    payload.department_deadline,
                    payload.referred_by,
                    payload.referred_at,
                )
                await _set(conn, payload.case_id, version, "open_referrals = open_referrals + 1")
            case dev.CaseReferralAnswered():
                await conn.execute(
                    """UPDATE case_referrals SET state = 'answered', reply = $2, answered_by = $3, recorded_by = $4,
                           answered_at = $5, late = $6 WHERE referral_id = $1""",
                    payload.referral_id,
                    payload.reply,
                    payload.answered_by,
                    payload.recorded_by,
                    payload.answered_at,
                    payload.late,
                )
                await _set(conn, payload.case_id, version, "open_referrals = open_referrals - 1")
            case dev.CaseReferralWithdrawn():
                await conn.execute(
                    """UPDATE case_referrals SET state = 'withdrawn', withdrawn_reason = $2, withdrawn_by = $3,
                           withdrawn_at = $4 WHERE referral_id = $1""",
                    payload.referral_id,
                    payload.reason,
                    payload.withdrawn_by,
                    payload.withdrawn_at,
                )
                await _set(conn, payload.case_id, version, "open_referrals = open_referrals - 1")
            case dev.CaseReferralOverdue():
                await conn.execute(
                    "UPDATE case_referrals SET overdue_for = $2, leased_until = NULL WHERE referral_id = $1",
                    payload.referral_id,
                    payload.department_deadline,
                )
                await _set(conn, payload.case_id, version)
            case dev.CaseProxyServiceRecorded():
                await _set(conn, payload.case_id, version)  # its rows are the ledger's; the case moves a version
            case dev.CaseAmountClaimed():
                await _set(conn, payload.case_id, version, "claimed_fen = $3", payload.amount_fen)
            case dev.CaseMoneyRecorded():
                await conn.execute(
                    """INSERT INTO case_money_entries (entry_id, case_id, kind, amount_fen, on_date, note,
                           recorded_by, recorded_at, current_fen) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $4)""",
                    payload.entry_id,
                    payload.case_id,
                    payload.kind.value,
                    payload.amount_fen,
                    payload.on,
                    payload.note,
                    payload.recorded_by,
                    payload.recorded_at,
                )
                column = _TOTAL[payload.kind]
                await _set(conn, payload.case_id, version, f"{column} = {column} + $3", payload.amount_fen)
            case dev.CaseMoneyCorrected():
                await conn.execute(
                    """INSERT INTO case_money_corrections (correction_id, entry_id, case_id, amount_fen, replaces_fen,
                           reason, corrected_by, corrected_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
                    payload.entry_id,
                    payload.corrects,
                    payload.case_id,
                    payload.amount_fen,
                    payload.replaces_fen,
                    payload.reason,
                    payload.corrected_by,
                    payload.corrected_at,
                )
                await conn.execute(
                    "UPDATE case_money_entries SET current_fen = $2 WHERE entry_id = $1",
                    payload.corrects,
                    payload.amount_fen,
                )
                column = _TOTAL[payload.kind]
                change = payload.amount_fen - payload.replaces_fen
                await _set(conn, payload.case_id, version, f"{column} = {column} + $3", change)
            case dev.CaseEmployerNamed():
                await _set(
                    conn,
                    payload.case_id,
                    version,
                    "employer_id = $3, employer_name = $4, employer_credit_code = $5,"
                    " posting_id = $6, placement_id = $7",
                    payload.employer_id,
                    payload.employer_name,
                    payload.employer_credit_code,
                    payload.posting_id,
                    payload.placement_id,
                )


async def _set(conn: Connection, case_id: object, version: int, assignments: str = "", *values: object) -> None:
    """Every event of a case's stream moves the `version` the API reports (and `If-Match` checks)."""
    changes = f"{assignments}, version = $2" if assignments else "version = $2"
    await conn.execute(f"UPDATE cases SET {changes} WHERE case_id = $1", case_id, version, *values)

"""How an HTTP request to open a case becomes an intake: the channel's default, another system's
reference, the work place, the claimed amount and the employer; the Idempotency-Key header and the
request's fingerprint; and the intake, money and employer fields of a case's response."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Header
from kite_common.auth import Principal
from kite_common.http.problems import Problem

from kite_casework.api.schemas import CaseEmployer, CaseMoney, OpenCaseRequest
from kite_casework.application.case_access import acting_as_member
from kite_casework.domain.case import CaseRequest
from kite_casework.domain.employer import employer_link
from kite_casework.domain.intake import Channel, division_code, external_reference

_KEY = re.compile(r"^[\x21-\x7e]{1,200}$")


def _idempotency_key(
    value: Annotated[
        str | None,
        Header(
            alias="Idempotency-Key",
            description="同一调用方同一 Key 只登记一件诉求（重复提交返回已登记的诉求，状态 200）；"
            "同一 Key 用于内容不同的请求返回 422",
        ),
    ] = None,
) -> str | None:
    if value is None:
        return None
    key = value.strip()
    if len(key) >= 2 and key[0] == key[-1] == '"':  # the structured-field string form
        key = key[1:-1]
    if not _KEY.match(key):
        raise Problem("Idempotency-Key 应为1至200个可见 ASCII 字符", status=400, code="bad-idempotency-key")
    return key


IdempotencyKeyHeader = Annotated[str | None, Depends(_idempotency_key)]


def fingerprint(body: OpenCaseRequest) -> str:
    canonical = json.dumps(body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def case_request(body: OpenCaseRequest, principal: Principal) -> CaseRequest:
    external = external_reference(body.source_system, body.external_reference)
    if body.channel is not None:
        channel = body.channel
    elif acting_as_member(principal):
        channel = Channel.APP
    else:
        channel = Channel.SYSTEM_REFERRAL if external else Channel.STATION
    work = division_code(body.work_division_code, "work_division_code") if body.work_division_code else None
    employer = None
    if body.employer is not None:
        e = body.employer
        employer = employer_link(e.employer_id, e.name, e.credit_code, e.posting_id, e.placement_id)
    return CaseRequest(
        body.member_id,
        body.category,
        body.urgency,
        body.description,
        channel=channel,
        external=external,
        work_division_code=work,
        claimed_fen=body.claimed_fen,
        employer=employer,
        office_id=body.office_id,
    )


def intake_fields(row: asyncpg.Record) -> dict[str, Any]:
    channel = Channel(row["channel"]) if row["channel"] else None
    has_employer = row["employer_id"] is not None or row["employer_credit_code"] is not None
    employer = (
        CaseEmployer(
            employer_id=row["employer_id"],
            name=row["employer_name"],
            credit_code=row["employer_credit_code"],
            posting_id=row["posting_id"],
            placement_id=row["placement_id"],
        )
        if has_employer
        else None
    )
    return {
        "channel": channel,
        "channel_label": channel.label if channel else None,
        "source_system": row["source_system"],
        "external_reference": row["external_reference"],
        "work_division_code": row["work_division_code"],
        "employer": employer,
        "money": money_totals(row),
        "open_referrals": row["open_referrals"],
    }


def money_totals(row: asyncpg.Record) -> CaseMoney:
    claimed, recovered = row["claimed_fen"], row["recovered_fen"]
    return CaseMoney(
        claimed_fen=claimed,
        recovered_fen=recovered,
        relief_paid_fen=row["relief_paid_fen"],
        funds_raised_fen=row["funds_raised_fen"],
        outstanding_fen=max(claimed - recovered, 0) if claimed is not None else None,
        recovered_exceeds_claimed=claimed is not None and recovered > claimed,
    )

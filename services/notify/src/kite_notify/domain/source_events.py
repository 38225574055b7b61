"""What notify turns into notifications: its own, tolerant view of other services' public contracts.

Only the fields notify uses are declared; others are ignored, so an added field upstream changes
nothing here. A missing or malformed field of a known type is a contract break and is raised.
Roster's member events are read once for every service, in `kite_common.mirror.roster_members`.
A case's later steps name only the case: notify learns whose case it is from case-opened.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kite_common.mirror.roster_members import MEMBER_REGISTERED, MemberRegistered
from pydantic import BaseModel, ConfigDict


class _Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class CaseOpened(_Source):
    member_id: uuid.UUID
    case_id: uuid.UUID
    origin_division_code: str
    category: str
    urgency: str = "normal"
    sla_tier: str | None = None
    deadline: datetime | None = None


class CaseStep(_Source):
    """A later step of a case: whose case it is comes from notify's case directory."""

    case_id: uuid.UUID


class CaseAccepted(CaseStep):
    pass


class CaseTransferAccepted(CaseStep):
    pass


class CaseResolved(CaseStep):
    outcome: str


class CaseFollowUpRecorded(CaseStep):
    reached: bool


class CertificateIssued(_Source):
    member_id: uuid.UUID
    origin_division_code: str
    title: str
    office_name: str


class JobMatched(_Source):
    member_id: uuid.UUID
    posting_id: uuid.UUID
    title: str
    city: str
    matched_skills: list[str] = []
    member_origin_division_code: str


SourceEvent = (
    MemberRegistered
    | CaseOpened
    | CaseAccepted
    | CaseTransferAccepted
    | CaseResolved
    | CaseFollowUpRecorded
    | CertificateIssued
    | JobMatched
)

SOURCE_TYPES: dict[str, type[SourceEvent]] = {
    MEMBER_REGISTERED: MemberRegistered,
    "kite.casework.case-opened.v1": CaseOpened,
    "kite.casework.case-accepted.v1": CaseAccepted,
    "kite.casework.case-transfer-accepted.v1": CaseTransferAccepted,
    "kite.casework.case-resolved.v1": CaseResolved,
    "kite.casework.case-follow-up-recorded.v1": CaseFollowUpRecorded,
    "kite.casework.certificate-issued.v1": CertificateIssued,
    "kite.jobs.job-matched.v1": JobMatched,
}


def parse_source_event(event_type: str, data: dict[str, Any]) -> SourceEvent | None:
    """The event as notify sees it, or None for a type notify does not turn into a notification."""
    model = SOURCE_TYPES.get(event_type)
    return model.model_validate(data) if model is not None else None


def origin_of(event: SourceEvent) -> str | None:
    """The member's home division as the event states it (None for a case step)."""
    if isinstance(event, JobMatched):
        return event.member_origin_division_code
    if isinstance(event, CaseStep):
        return None
    return event.origin_division_code

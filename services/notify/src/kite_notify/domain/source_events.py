"""What notify turns into notifications: its own, tolerant view of other services' public contracts.

Only the fields notify uses are declared; others are ignored, so an added field upstream changes
nothing here. A missing or malformed field of a known type is a contract break and is raised.
Roster's member events are read once for every service, in `kite_common.mirror.roster_members`.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from kite_common.mirror.roster_members import MEMBER_REGISTERED, MemberRegistered
from pydantic import BaseModel, ConfigDict


class _Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    member_id: uuid.UUID


class CaseOpened(_Source):
    case_id: uuid.UUID
    origin_division_code: str
    category: str
    sla_tier: str | None = None
    deadline: datetime | None = None


class JobMatched(_Source):
    posting_id: uuid.UUID
    title: str
    city: str
    matched_skills: list[str] = []
    member_origin_division_code: str


SourceEvent = MemberRegistered | CaseOpened | JobMatched

SOURCE_TYPES: dict[str, type[SourceEvent]] = {
    MEMBER_REGISTERED: MemberRegistered,
    "kite.casework.case-opened.v1": CaseOpened,
    "kite.jobs.job-matched.v1": JobMatched,
}


def parse_source_event(event_type: str, data: dict[str, Any]) -> SourceEvent | None:
    """The event as notify sees it, or None for a type notify does not turn into a notification."""
    model = SOURCE_TYPES.get(event_type)
    return model.model_validate(data) if model is not None else None


def origin_of(event: SourceEvent) -> str:
    if isinstance(event, JobMatched):
        return event.member_origin_division_code
    return event.origin_division_code

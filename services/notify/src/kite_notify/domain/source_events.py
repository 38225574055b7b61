"""What notify reads from other services' topics: its own, tolerant view of their public contracts.

Only the fields notify uses are declared; others are ignored, so an added field upstream changes
nothing here. A missing or malformed field of a known type is a contract break and is raised.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class _Source(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    member_id: uuid.UUID


class MemberRegistered(_Source):
    name: str
    origin_division_code: str
    current_city: str | None = None


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
    "kite.roster.member-registered.v1": MemberRegistered,
    "kite.casework.case-opened.v1": CaseOpened,
    "kite.jobs.job-matched.v1": JobMatched,
}


class MemberUpdated(_Source):
    """An edit in the roster: `changed` names the fields it changed; only those carry a value."""

    changed: list[str] = []
    name: str | None = None


class MemberDeregistered(_Source):
    """The member left the roster: they get no notification from now on."""


# Roster events that change what notify knows of a member but notify nobody.
DirectoryEvent = MemberUpdated | MemberDeregistered

DIRECTORY_TYPES: dict[str, type[DirectoryEvent]] = {
    "kite.roster.member-updated.v1": MemberUpdated,
    "kite.roster.member-deregistered.v1": MemberDeregistered,
}


def parse_directory_event(event_type: str, data: dict[str, Any]) -> DirectoryEvent | None:
    """A roster event that changes notify's member directory without a notification, else None."""
    model = DIRECTORY_TYPES.get(event_type)
    return model.model_validate(data) if model is not None else None


def parse_source_event(event_type: str, data: dict[str, Any]) -> SourceEvent | None:
    """The event as notify sees it, or None for a type notify does not turn into a notification."""
    model = SOURCE_TYPES.get(event_type)
    return model.model_validate(data) if model is not None else None


def origin_of(event: SourceEvent) -> str:
    if isinstance(event, JobMatched):
        return event.member_origin_division_code
    return event.origin_division_code

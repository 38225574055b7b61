"""jobs.events: the published payloads. No ID or phone number ever appears here."""

from __future__ import annotations

import uuid

from kite_common.events import EventPayload, EventRegistry

registry = EventRegistry("jobs")


@registry.register
class EmployerRegistered(EventPayload):
    event_name = "employer-registered"

    employer_id: uuid.UUID
    name: str
    unified_social_credit_code: str | None = None
    city: str
    area_division_code: str
    contact_name: str | None = None
    registered_by: str


@registry.register
class PostingOpened(EventPayload):
    event_name = "posting-opened"

    posting_id: uuid.UUID
    employer_id: uuid.UUID
    title: str
    city: str
    skills_required: list[str]
    headcount: int
    wage_min: int  # yuan per month
    wage_max: int
    area_division_code: str
    opened_by: str


@registry.register
class JobMatched(EventPayload):
    event_name = "job-matched"

    posting_id: uuid.UUID
    member_id: uuid.UUID
    employer_id: uuid.UUID
    title: str
    city: str
    matched_skills: list[str]
    score: float  # share of the required skills the member has, 0 < score <= 1
    member_origin_division_code: str
    matched_by: str

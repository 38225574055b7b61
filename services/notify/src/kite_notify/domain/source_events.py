"""What notify turns into notifications: its own, tolerant view of other services' public contracts.

Only the fields notify uses are declared; others are ignored, so an added field upstream changes
nothing here. A missing or malformed field of a known type is a contract break and is raised.
Roster's member events are read once for every service, in `kite_common.mirror.roster_members`.
A case's later steps name only the case: notify learns whose case it is from case-opened.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
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


class FairRegistered(_Source):
    """A member registered for a job fair; `invited` when staff invited them (邀约): that is the notice."""

    fair_id: uuid.UUID
    member_id: uuid.UUID
    invited: bool = False
    member_origin_division_code: str


class CourseEnrolled(_Source):
    course_id: uuid.UUID
    member_id: uuid.UUID
    member_origin_division_code: str


class PlacementFollowUpDue(_Source):
    """A retention follow-up (稳岗回访) fell due: the member is told the station will call."""

    placement_id: uuid.UUID
    member_id: uuid.UUID
    month: int
    due_on: date
    member_origin_division_code: str


class DuesPaid(_Source):
    member_id: uuid.UUID
    month: str  # YYYY-MM
    amount_fen: int
    correction: bool = False


class PartyDuesReminderDue(_Source):
    """The month's dues reminder day came and the member has not paid: roster writes it once per
    member and month."""

    member_id: uuid.UUID
    month: str  # YYYY-MM


class OrgLifeAbsence(_Source):
    """One member marked absent from an org-life session (三会一课): notify's own split of roster's
    org-life-session-held, one notice per absent member (type `ORG_LIFE_ABSENCE`)."""

    member_id: uuid.UUID
    organisation_id: uuid.UUID
    kind: str
    topic: str
    held_on: date


class OrgLifeSessionPlanned(_Source):
    """A branch announced an org-life session ahead of it: not one member's notice but a broadcast to
    the branch's party members (and a post to its group robots)."""

    session_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    division_code: str
    kind: str
    mode: str
    starts_at: datetime
    place: str
    topic: str


ORG_LIFE_SESSION_PLANNED = "kite.roster.org-life-session-planned.v1"


class MemberContactLost(_Source):
    """Nobody has reached the member for the quiet period: their branch secretary is told."""

    member_id: uuid.UUID
    last_contact_at: datetime
    quiet_days: int


SourceEvent = (
    MemberRegistered
    | CaseOpened
    | CaseAccepted
    | CaseTransferAccepted
    | CaseResolved
    | CaseFollowUpRecorded
    | CertificateIssued
    | JobMatched
    | FairRegistered
    | CourseEnrolled
    | PlacementFollowUpDue
    | DuesPaid
    | PartyDuesReminderDue
    | OrgLifeAbsence
    | MemberContactLost
)

ORG_LIFE_SESSION_HELD = "kite.roster.org-life-session-held.v1"
ORG_LIFE_ABSENCE = "kite.roster.org-life-session-held.v1#absence"  # never on the wire: notify's split

SOURCE_TYPES: dict[str, type[SourceEvent]] = {
    MEMBER_REGISTERED: MemberRegistered,
    "kite.casework.case-opened.v1": CaseOpened,
    "kite.casework.case-accepted.v1": CaseAccepted,
    "kite.casework.case-transfer-accepted.v1": CaseTransferAccepted,
    "kite.casework.case-resolved.v1": CaseResolved,
    "kite.casework.case-follow-up-recorded.v1": CaseFollowUpRecorded,
    "kite.casework.certificate-issued.v1": CertificateIssued,
    "kite.jobs.job-matched.v1": JobMatched,
    "kite.jobs.fair-registered.v1": FairRegistered,
    "kite.jobs.course-enrolled.v1": CourseEnrolled,
    "kite.jobs.placement-follow-up-due.v1": PlacementFollowUpDue,
    "kite.roster.dues-paid.v1": DuesPaid,
    "kite.roster.party-dues-reminder-due.v1": PartyDuesReminderDue,
    ORG_LIFE_ABSENCE: OrgLifeAbsence,
    "kite.roster.member-contact-lost.v1": MemberContactLost,
}


def absences(data: dict[str, Any]) -> list[dict[str, Any]]:
    """An org-life session's absent members, each as the data of one `ORG_LIFE_ABSENCE`."""
    common = {k: data[k] for k in ("organisation_id", "kind", "topic", "held_on")}
    return [
        {**common, "member_id": a["member_id"]}
        for a in data.get("attendance") or []
        if isinstance(a, dict) and a.get("status") == "absent"
    ]


def parse_source_event(event_type: str, data: dict[str, Any]) -> SourceEvent | None:
    """The event as notify sees it, or None for a type notify does not turn into a notification."""
    model = SOURCE_TYPES.get(event_type)
    return model.model_validate(data) if model is not None else None


def origin_of(event: SourceEvent) -> str | None:
    """The member's home division as the event states it (None for a case step)."""
    if isinstance(event, JobMatched | FairRegistered | CourseEnrolled | PlacementFollowUpDue):
        return event.member_origin_division_code
    if isinstance(event, CaseStep | DuesPaid | PartyDuesReminderDue | OrgLifeAbsence | MemberContactLost):
        return None
    return event.origin_division_code

"""Party events on roster.events: party membership, branch memberships (三重覆盖), org life and dues.
No ID or phone number ever appears here."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from kite_common.events import EventPayload
from pydantic import BaseModel, ConfigDict, Field

from kite_roster.shared.event_registry import registry

MONTH_PATTERN = r"^[1-9][0-9]{3}-(0[1-9]|1[0-2])$"  # year 0000 is no date


class PartyStatus(StrEnum):
    NORMAL = "normal"  # 正常
    SUSPENDED = "suspended"  # 停止党籍
    TRANSFERRED_OUT = "transferred-out"  # 组织关系已转出
    DECEASED = "deceased"  # 去世

    @property
    def label(self) -> str:
        return {"normal": "正常", "suspended": "停止党籍", "transferred-out": "已转出", "deceased": "去世"}[self.value]


class MembershipRole(StrEnum):
    """三重覆盖: 流出地, 区域, 行业."""

    ORIGIN = "origin"
    REGION = "region"
    INDUSTRY = "industry"

    @property
    def label(self) -> str:
        return {"origin": "流出地", "region": "区域", "industry": "行业"}[self.value]


class OrgLifeKind(StrEnum):
    """三会一课 and 主题党日."""

    BRANCH_GENERAL_MEETING = "branch-general-meeting"
    BRANCH_COMMITTEE = "branch-committee"
    PARTY_GROUP = "party-group"
    PARTY_LECTURE = "party-lecture"
    THEME_DAY = "theme-day"

    @property
    def label(self) -> str:
        return {
            "branch-general-meeting": "支部党员大会",
            "branch-committee": "支委会",
            "party-group": "党小组会",
            "party-lecture": "党课",
            "theme-day": "主题党日",
        }[self.value]


class SessionMode(StrEnum):
    IN_PERSON = "in-person"
    ONLINE = "online"

    @property
    def label(self) -> str:
        return {"in-person": "线下", "online": "线上"}[self.value]


class AttendanceStatus(StrEnum):
    PRESENT = "present"
    ONLINE = "online"
    ABSENT = "absent"

    @property
    def label(self) -> str:
        return {"present": "到会", "online": "线上参会", "absent": "缺席"}[self.value]

    @property
    def attended(self) -> bool:
        return self is not AttendanceStatus.ABSENT


@registry.register
class PartyMembershipRecorded(EventPayload):
    """`origin_division_code` is the member's home place when the record was made: the party
    ledger counts the member there."""

    event_name = "party-membership-recorded"

    member_id: uuid.UUID
    origin_division_code: str
    joined_on: date
    probationary: bool
    probationary_until: date | None = None
    recorded_by: str


@registry.register
class PartyMemberConfirmed(EventPayload):
    """预备党员转正."""

    event_name = "party-member-confirmed"

    member_id: uuid.UUID
    confirmed_on: date
    confirmed_by: str


@registry.register
class PartyStatusChanged(EventPayload):
    event_name = "party-status-changed"

    member_id: uuid.UUID
    from_status: PartyStatus
    to_status: PartyStatus
    changed_on: date
    reason: str | None = None
    changed_by: str


@registry.register
class BranchMembershipJoined(EventPayload):
    event_name = "branch-membership-joined"

    member_id: uuid.UUID
    organisation_id: uuid.UUID
    role: MembershipRole
    joined_on: date
    recorded_by: str


@registry.register
class BranchMembershipLeft(EventPayload):
    event_name = "branch-membership-left"

    member_id: uuid.UUID
    organisation_id: uuid.UUID
    role: MembershipRole
    left_on: date
    reason: str | None = None
    recorded_by: str


@registry.register
class BranchMembershipTransferred(EventPayload):
    """Leaves one branch and joins another in the same role, on one day."""

    event_name = "branch-membership-transferred"

    member_id: uuid.UUID
    role: MembershipRole
    from_organisation_id: uuid.UUID
    to_organisation_id: uuid.UUID
    transferred_on: date
    recorded_by: str


@registry.register
class DuesPaid(EventPayload):
    """One payment per member and month; a later event with `correction` replaces it."""

    event_name = "dues-paid"

    member_id: uuid.UUID
    month: str = Field(pattern=MONTH_PATTERN)
    amount_fen: int
    paid_on: date
    correction: bool = False
    note: str | None = None
    recorded_by: str


@registry.register
class PartyDuesReminderDue(EventPayload):
    """The month's dues reminder day came and the member (正常 status) has not paid that month: one
    reminder per member and month, written by roster's dues-reminder worker; notify tells the member."""

    event_name = "party-dues-reminder-due"

    member_id: uuid.UUID
    month: str = Field(pattern=MONTH_PATTERN)
    due_on: date


class Attendance(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    member_id: uuid.UUID
    status: AttendanceStatus
    reason: str | None = None


@registry.register
class OrgLifeSessionPlanned(EventPayload):
    """A branch announced an org-life session (三会一课, 主题党日) ahead of it: when and where it will be
    held and its topic. Notify tells the branch's party members. `division_code` is the branch's place."""

    event_name = "org-life-session-planned"

    session_id: uuid.UUID
    organisation_id: uuid.UUID
    organisation_name: str
    division_code: str
    kind: OrgLifeKind
    mode: SessionMode
    starts_at: datetime
    place: str
    topic: str
    planned_by: str


@registry.register
class OrgLifeSessionHeld(EventPayload):
    event_name = "org-life-session-held"

    session_id: uuid.UUID
    organisation_id: uuid.UUID
    kind: OrgLifeKind
    mode: SessionMode
    held_on: date
    topic: str
    attendance: list[Attendance]
    recorded_by: str

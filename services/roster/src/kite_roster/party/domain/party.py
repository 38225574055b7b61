"""Party membership of a member (stream `party-<member_id>`) and org-life sessions
(stream `org-life-<session_id>`): pure decisions, no I/O.

A party member's stream holds the record (入党日期, 预备期, 转正), status changes, the branch
memberships of the three-way coverage (流出地/区域/行业) and the monthly dues."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

from kite_common.domain import Aggregate, Conflict, DomainError
from kite_common.events import EventPayload

from kite_roster.party.domain.organisation import BRANCH_KINDS
from kite_roster.party.domain.organisation_events import OrganisationKind
from kite_roster.party.domain.party_events import (
    Attendance,
    AttendanceStatus,
    BranchMembershipJoined,
    BranchMembershipLeft,
    BranchMembershipTransferred,
    DuesPaid,
    MembershipRole,
    OrgLifeKind,
    OrgLifeSessionHeld,
    OrgLifeSessionPlanned,
    PartyDuesReminderDue,
    PartyMemberConfirmed,
    PartyMembershipRecorded,
    PartyStatus,
    PartyStatusChanged,
    SessionMode,
)

S = PartyStatus

PARTY_FOUNDED = date(1921, 7, 1)
MAX_DUES_FEN = 100_000_000  # 一百万元: 特殊党费 can be large, typos of a few more digits are not
DUES_AHEAD_MONTHS = 12  # 预交: up to a year ahead of the day paid
MAX_ATTENDANCE = 5000
_MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])$")

# Which status may follow which. 去世 is final; a member transferred out may be transferred back.
_TRANSITIONS: dict[PartyStatus, frozenset[PartyStatus]] = {
    S.NORMAL: frozenset({S.SUSPENDED, S.TRANSFERRED_OUT, S.DECEASED}),
    S.SUSPENDED: frozenset({S.NORMAL, S.TRANSFERRED_OUT, S.DECEASED}),
    S.TRANSFERRED_OUT: frozenset({S.NORMAL, S.DECEASED}),
    S.DECEASED: frozenset(),
}
# Leaving our organisations: every branch membership ends with the status change.
_ENDS_MEMBERSHIPS = frozenset({S.TRANSFERRED_OUT, S.DECEASED})


class PartyRuleViolation(DomainError):
    """A request the domain refuses: the request itself breaks a rule (422, listing `field` when
    there is one), or, as a PartyConflict, the record's state forbids it (409). `status` says which;
    the message is for people (Chinese); extensions become members of the problem."""

    status: ClassVar[int] = 422

    def __init__(self, message: str, code: str, field: str | None = None, **extensions: Any) -> None:
        super().__init__(message, code=code, field=field, **extensions)


class PartyConflict(PartyRuleViolation, Conflict):
    """Refused because of the current state rather than the request itself (409)."""

    status: ClassVar[int] = 409


def add_one_year(day: date) -> date:
    """预备期一年: 29 February runs to 28 February."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def month_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def parse_month(text: str) -> tuple[int, int]:
    m = _MONTH.match(text)
    if not m:
        raise PartyRuleViolation("月份格式应为 YYYY-MM", "bad-month", "month")
    return int(m.group(1)), int(m.group(2))


def months_between(earlier: str, later: str) -> int:
    (y1, m1), (y2, m2) = parse_month(earlier), parse_month(later)
    return (y2 - y1) * 12 + (m2 - m1)


@dataclass(frozen=True)
class BranchInfo:
    """A branch as the read model knows it."""

    organisation_id: uuid.UUID
    name: str
    kind: OrganisationKind
    dissolved: bool
    division_code: str = ""


@dataclass(frozen=True)
class ActiveMembership:
    organisation_id: uuid.UUID
    role: MembershipRole
    joined_on: date


@dataclass(frozen=True)
class DuesPayment:
    amount_fen: int
    paid_on: date


@dataclass
class PartyMember(Aggregate):
    stream_prefix: ClassVar[str] = "party"
    label: ClassVar[str] = "该记录"

    member_id: uuid.UUID
    recorded: bool = False
    origin_division_code: str = ""
    joined_on: date | None = None
    probationary: bool = False
    probationary_until: date | None = None
    confirmed_on: date | None = None
    status: PartyStatus = S.NORMAL
    memberships: dict[MembershipRole, ActiveMembership] = field(default_factory=dict)
    dues: dict[str, DuesPayment] = field(default_factory=dict)
    reminded_months: set[str] = field(default_factory=set)

    @property
    def id(self) -> uuid.UUID:
        return self.member_id

    @property
    def awaiting_confirmation(self) -> bool:
        return self.probationary and self.confirmed_on is None

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, PartyMembershipRecorded):
            self.recorded = True
            self.origin_division_code = event.origin_division_code
            self.joined_on, self.probationary = event.joined_on, event.probationary
            self.probationary_until = event.probationary_until
        elif isinstance(event, PartyMemberConfirmed):
            self.confirmed_on = event.confirmed_on
        elif isinstance(event, PartyStatusChanged):
            self.status = event.to_status
        elif isinstance(event, BranchMembershipJoined):
            self.memberships[event.role] = ActiveMembership(event.organisation_id, event.role, event.joined_on)
        elif isinstance(event, BranchMembershipLeft):
            self.memberships.pop(event.role, None)
        elif isinstance(event, BranchMembershipTransferred):
            self.memberships[event.role] = ActiveMembership(event.to_organisation_id, event.role, event.transferred_on)
        elif isinstance(event, DuesPaid):
            self.dues[event.month] = DuesPayment(event.amount_fen, event.paid_on)
        elif isinstance(event, PartyDuesReminderDue):
            self.reminded_months.add(event.month)

    # party record

    def record(
        self, origin_division_code: str, joined_on: date, probationary: bool, today: date, recorded_by: str
    ) -> list[EventPayload]:
        if self.recorded:
            raise PartyConflict("该人员的党员信息已登记", "party-record-exists")
        _not_future(joined_on, today, "joined_on", "入党日期")
        if joined_on < PARTY_FOUNDED:
            raise PartyRuleViolation("入党日期不能早于1921年7月1日", "date-too-early", "joined_on")
        return self._record(
            PartyMembershipRecorded(
                member_id=self.member_id,
                origin_division_code=origin_division_code,
                joined_on=joined_on,
                probationary=probationary,
                probationary_until=add_one_year(joined_on) if probationary else None,
                recorded_by=recorded_by,
            ),
        )

    def confirm(self, confirmed_on: date, today: date, confirmed_by: str) -> list[EventPayload]:
        """预备党员转正: only once the one-year probationary period has run."""
        self._recorded()
        if not self.probationary:
            raise PartyConflict("该党员入党时即为正式党员，无需转正", "not-probationary")
        if self.confirmed_on is not None:
            raise PartyConflict(f"该党员已于 {self.confirmed_on} 转正", "already-confirmed")
        if self.status is not S.NORMAL:
            raise PartyConflict(f"党籍状态为“{self.status.label}”，不能办理转正", "status-not-normal")
        _not_future(confirmed_on, today, "confirmed_on", "转正日期")
        assert self.probationary_until is not None
        if confirmed_on < self.probationary_until:
            raise PartyRuleViolation(
                f"预备期至 {self.probationary_until} 届满，届满前不能转正",
                "probation-not-over",
                "confirmed_on",
                probationary_until=self.probationary_until.isoformat(),
            )
        return self._record(
            PartyMemberConfirmed(member_id=self.member_id, confirmed_on=confirmed_on, confirmed_by=confirmed_by)
        )

    def change_status(
        self, to: PartyStatus, changed_on: date, reason: str | None, today: date, changed_by: str
    ) -> list[EventPayload]:
        self._recorded()
        if to is self.status:
            raise PartyConflict(f"党籍状态已是“{to.label}”", "same-status", "status")
        if to not in _TRANSITIONS[self.status]:
            raise PartyConflict(f"党籍状态不能从“{self.status.label}”改为“{to.label}”", "status-transition", "status")
        _not_future(changed_on, today, "changed_on", "变更日期")
        assert self.joined_on is not None
        if changed_on < self.joined_on:
            raise PartyRuleViolation("变更日期不能早于入党日期", "date-before-joining", "changed_on")
        reason = (reason or "").strip() or None
        events: list[EventPayload] = [
            PartyStatusChanged(
                member_id=self.member_id,
                from_status=self.status,
                to_status=to,
                changed_on=changed_on,
                reason=reason,
                changed_by=changed_by,
            )
        ]
        if to in _ENDS_MEMBERSHIPS:
            for role in MembershipRole:
                if (m := self.memberships.get(role)) is not None:
                    events.append(
                        BranchMembershipLeft(
                            member_id=self.member_id,
                            organisation_id=m.organisation_id,
                            role=role,
                            left_on=max(changed_on, m.joined_on),
                            reason=to.label,
                            recorded_by=changed_by,
                        )
                    )
        return self._record(*events)

    def member_died(self, died_on: date, today: date, changed_by: str) -> list[EventPayload]:
        """The roster deregistered the member as deceased: a party record follows (status 去世, branch
        memberships end). Nothing when there is no party record or it already says so."""
        if not self.recorded or self.status is S.DECEASED:
            return []
        assert self.joined_on is not None
        return self.change_status(S.DECEASED, max(died_on, self.joined_on), "人员注销：去世", today, changed_by)

    # branch memberships (三重覆盖)

    def join(
        self,
        branch: BranchInfo,
        role: MembershipRole,
        joined_on: date,
        today: date,
        recorded_by: str,
        names: Mapping[uuid.UUID, str] | None = None,
    ) -> list[EventPayload]:
        """`names`: names of the member's current branches, to name the one in the way."""
        self._active()
        _accepts_members(branch)
        if (current := self.memberships.get(role)) is not None:
            held = (names or {}).get(current.organisation_id, str(current.organisation_id))
            raise PartyConflict(
                f"该党员已是“{held}”的{role.label}党员，同一身份只能属于一个支部，请先退出或办理转移",
                "role-taken",
                "role",
                existing_organisation_id=str(current.organisation_id),
            )
        self._not_in_branch_already(branch, role)
        _not_future(joined_on, today, "joined_on", "加入日期")
        assert self.joined_on is not None
        if joined_on < self.joined_on:
            raise PartyRuleViolation("加入支部的日期不能早于入党日期", "date-before-joining", "joined_on")
        return self._record(
            BranchMembershipJoined(
                member_id=self.member_id,
                organisation_id=branch.organisation_id,
                role=role,
                joined_on=joined_on,
                recorded_by=recorded_by,
            ),
        )

    def leave(
        self, role: MembershipRole, left_on: date, reason: str | None, today: date, recorded_by: str
    ) -> list[EventPayload]:
        self._recorded()
        current = self._membership(role)
        _not_future(left_on, today, "left_on", "退出日期")
        if left_on < current.joined_on:
            raise PartyRuleViolation("退出日期不能早于加入日期", "date-before-joining", "left_on")
        return self._record(
            BranchMembershipLeft(
                member_id=self.member_id,
                organisation_id=current.organisation_id,
                role=role,
                left_on=left_on,
                reason=(reason or "").strip() or None,
                recorded_by=recorded_by,
            ),
        )

    def transfer(
        self, role: MembershipRole, branch: BranchInfo, transferred_on: date, today: date, recorded_by: str
    ) -> list[EventPayload]:
        self._active()
        _accepts_members(branch)
        current = self._membership(role)
        if current.organisation_id == branch.organisation_id:
            raise PartyConflict("转入支部与现支部相同", "same-branch", "organisation_id")
        self._not_in_branch_already(branch, role)
        _not_future(transferred_on, today, "transferred_on", "转移日期")
        if transferred_on < current.joined_on:
            raise PartyRuleViolation("转移日期不能早于加入现支部的日期", "date-before-joining", "transferred_on")
        return self._record(
            BranchMembershipTransferred(
                member_id=self.member_id,
                role=role,
                from_organisation_id=current.organisation_id,
                to_organisation_id=branch.organisation_id,
                transferred_on=transferred_on,
                recorded_by=recorded_by,
            ),
        )

    # dues

    def remind_dues(self, month: str, due_on: date) -> list[EventPayload]:
        """The month's dues reminder, once per month, only to a member in normal status who joined by
        that month and has not paid it; nothing otherwise."""
        parse_month(month)
        if (
            not self.recorded
            or self.status is not S.NORMAL
            or self.joined_on is None
            or months_between(month_of(self.joined_on), month) < 0
            or month in self.dues
            or month in self.reminded_months
        ):
            return []
        return self._record(PartyDuesReminderDue(member_id=self.member_id, month=month, due_on=due_on))

    def pay_dues(
        self,
        month: str,
        amount_fen: int,
        paid_on: date,
        today: date,
        recorded_by: str,
        correction: bool = False,
        note: str | None = None,
    ) -> list[EventPayload]:
        """One payment per month; `correction` replaces the one already stored (nothing is stored
        when it changes nothing)."""
        if not self.recorded:
            raise PartyRuleViolation(
                "该人员不是党员（未登记党员信息），不能登记党费", "not-a-party-member", "member_id"
            )
        if self.status is not S.NORMAL:
            raise PartyConflict(f"党籍状态为“{self.status.label}”，不交纳党费", "status-not-normal")
        parse_month(month)
        if not 0 < amount_fen <= MAX_DUES_FEN:
            raise PartyRuleViolation("党费金额（分）应大于0且不超过一百万元", "bad-amount", "amount_fen")
        _not_future(paid_on, today, "paid_on", "交纳日期")
        assert self.joined_on is not None
        if paid_on < self.joined_on:
            raise PartyRuleViolation("交纳日期不能早于入党日期", "date-before-joining", "paid_on")
        if months_between(month_of(self.joined_on), month) < 0:
            raise PartyRuleViolation("不能为入党之前的月份交纳党费", "month-before-joining", "month")
        if months_between(month_of(paid_on), month) > DUES_AHEAD_MONTHS:
            raise PartyRuleViolation(f"党费最多预交 {DUES_AHEAD_MONTHS} 个月", "month-too-far-ahead", "month")
        existing = self.dues.get(month)
        if existing is not None and not correction:
            raise PartyConflict(
                f"{month} 的党费已于 {existing.paid_on} 交纳（{existing.amount_fen / 100:.2f} 元）；如需更正请标明更正",
                "dues-already-paid",
                "month",
                existing_amount_fen=existing.amount_fen,
                existing_paid_on=existing.paid_on.isoformat(),
            )
        if existing is None and correction:
            raise PartyRuleViolation(f"{month} 尚无党费记录，无可更正", "nothing-to-correct", "correction")
        if existing == DuesPayment(amount_fen, paid_on):
            return []
        return self._record(
            DuesPaid(
                member_id=self.member_id,
                month=month,
                amount_fen=amount_fen,
                paid_on=paid_on,
                correction=correction,
                note=(note or "").strip() or None,
                recorded_by=recorded_by,
            ),
        )

    # rules

    def _recorded(self) -> None:
        if not self.recorded:
            raise PartyRuleViolation("该人员不是党员（未登记党员信息）", "not-a-party-member", "member_id")

    def _active(self) -> None:
        self._recorded()
        if self.status is not S.NORMAL:
            raise PartyConflict(f"党籍状态为“{self.status.label}”，不能加入或转入支部", "status-not-normal")

    def _membership(self, role: MembershipRole) -> ActiveMembership:
        current = self.memberships.get(role)
        if current is None:
            raise PartyConflict(f"该党员没有{role.label}党组织", "no-membership", "role")
        return current

    def _not_in_branch_already(self, branch: BranchInfo, role: MembershipRole) -> None:
        for other in self.memberships.values():
            if other.organisation_id == branch.organisation_id and other.role is not role:
                raise PartyConflict(
                    f"该党员已是“{branch.name}”的{other.role.label}党员，同一支部只能以一种身份加入",
                    "already-in-branch",
                    "organisation_id",
                    existing_role=other.role.value,
                )


@dataclass(frozen=True)
class SessionRequest:
    kind: OrgLifeKind
    mode: SessionMode
    held_on: date
    topic: str
    attendance: tuple[Attendance, ...]


@dataclass(frozen=True)
class PlanRequest:
    kind: OrgLifeKind
    mode: SessionMode
    starts_at: datetime  # timezone-aware
    place: str
    topic: str


MAX_PLACE_LENGTH = 100


@dataclass
class OrgLifeSession(Aggregate):
    stream_prefix: ClassVar[str] = "org-life"

    session_id: uuid.UUID
    held: bool = False
    planned: bool = False

    @property
    def id(self) -> uuid.UUID:
        return self.session_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, OrgLifeSessionHeld):
            self.held = True
        elif isinstance(event, OrgLifeSessionPlanned):
            self.planned = True

    def plan(self, branch: BranchInfo, request: PlanRequest, now: datetime, planned_by: str) -> list[EventPayload]:
        """Announce a session ahead of it: a live branch, a start still to come, a topic and a place."""
        if self.planned or self.held:
            raise PartyConflict("该次组织生活已登记", "session-exists")
        _holds_sessions(branch)
        if request.starts_at.tzinfo is None:
            raise PartyRuleViolation("召开时间须带时区，如 2026-12-05T09:00:00+08:00", "time-without-zone", "starts_at")
        if request.starts_at <= now:
            raise PartyRuleViolation("计划召开时间须晚于现在", "start-in-past", "starts_at")
        topic, place = request.topic.strip(), request.place.strip()
        if not topic:
            raise PartyRuleViolation("请填写主题", "topic-required", "topic")
        if not place or len(place) > MAX_PLACE_LENGTH:
            raise PartyRuleViolation(f"请填写召开地点（不超过 {MAX_PLACE_LENGTH} 字）", "place-required", "place")
        return self._record(
            OrgLifeSessionPlanned(
                session_id=self.session_id,
                organisation_id=branch.organisation_id,
                organisation_name=branch.name,
                division_code=branch.division_code,
                kind=request.kind,
                mode=request.mode,
                starts_at=request.starts_at,
                place=place,
                topic=topic,
                planned_by=planned_by,
            )
        )

    def hold(
        self,
        branch: BranchInfo,
        request: SessionRequest,
        branch_members: Iterable[uuid.UUID],
        today: date,
        recorded_by: str,
    ) -> list[EventPayload]:
        """`branch_members`: the branch's members on the day held. Members left off the list are
        recorded as absent, so the attendance rate counts everyone who should have come."""
        if self.held:
            raise PartyConflict("该次组织生活已登记", "session-exists")
        _holds_sessions(branch)
        _not_future(request.held_on, today, "held_on", "召开日期")
        topic = request.topic.strip()
        if not topic:
            raise PartyRuleViolation("请填写主题", "topic-required", "topic")
        if len(request.attendance) > MAX_ATTENDANCE:
            raise PartyRuleViolation(f"出勤名单不能超过 {MAX_ATTENDANCE} 人", "too-many", "attendance")
        members = set(branch_members)
        seen: set[uuid.UUID] = set()
        attendance: list[Attendance] = []
        for i, a in enumerate(request.attendance):
            if a.member_id in seen:
                raise PartyRuleViolation(f"出勤名单中 {a.member_id} 重复", "duplicate-attendee", f"attendance.{i}")
            seen.add(a.member_id)
            if a.member_id not in members:
                raise PartyRuleViolation(
                    f"{a.member_id} 在 {request.held_on} 不是“{branch.name}”的党员",
                    "not-a-branch-member",
                    f"attendance.{i}.member_id",
                )
            reason = (a.reason or "").strip() or None
            if a.status is AttendanceStatus.ABSENT and reason is None:
                raise PartyRuleViolation("缺席须填写原因", "reason-required", f"attendance.{i}.reason")
            attendance.append(Attendance(member_id=a.member_id, status=a.status, reason=reason))
        attendance.extend(
            Attendance(member_id=m, status=AttendanceStatus.ABSENT) for m in sorted(members - seen, key=str)
        )
        if not attendance:
            raise PartyRuleViolation("该支部当日没有党员，无法登记出勤", "no-members", "attendance")
        return self._record(
            OrgLifeSessionHeld(
                session_id=self.session_id,
                organisation_id=branch.organisation_id,
                kind=request.kind,
                mode=request.mode,
                held_on=request.held_on,
                topic=topic,
                attendance=attendance,
                recorded_by=recorded_by,
            ),
        )


def _holds_sessions(branch: BranchInfo) -> None:
    if branch.kind not in BRANCH_KINDS:
        raise PartyRuleViolation(
            f"“{branch.name}”是{branch.kind.label}，组织生活由党支部登记", "not-a-branch", "organisation_id"
        )
    if branch.dissolved:
        raise PartyConflict(f"“{branch.name}”已撤销", "organisation-dissolved", "organisation_id")


def _accepts_members(branch: BranchInfo) -> None:
    if branch.kind not in BRANCH_KINDS:
        raise PartyRuleViolation(
            f"“{branch.name}”是{branch.kind.label}，只有党支部才能接收党员", "not-a-branch", "organisation_id"
        )
    if branch.dissolved:
        raise PartyConflict(f"“{branch.name}”已撤销", "organisation-dissolved", "organisation_id")


def _not_future(day: date, today: date, field_name: str, what: str) -> None:
    if day > today:
        raise PartyRuleViolation(f"{what}不能晚于今天", "date-in-future", field_name)

"""The placement aggregate (就业安置与稳岗): a member at work through a posting, its retention
follow-ups at 1, 3 and 6 months, and leaving the job. Pure, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from kite_common.domain import Aggregate, Conflict
from kite_common.events import EventPayload

from kite_jobs.domain.events import FollowUpDue, FollowUpProblem, FollowUpRecorded, MemberPlaced, PlacementEnded
from kite_jobs.domain.rules import JobsRuleViolation

FOLLOW_UP_MONTHS = (1, 3, 6)


class PlacementRuleViolation(JobsRuleViolation):
    code = "invalid-placement"


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it has no such day (1-31 → 2-28)."""
    month0 = day.month - 1 + months
    year, month = day.year + month0 // 12, month0 % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


def due_on(start: date, month: int) -> date:
    return add_months(start, month)


@dataclass
class Placement(Aggregate):
    stream_prefix: ClassVar[str] = "placement"
    label: ClassVar[str] = "该就业记录"

    placement_id: uuid.UUID
    placed: MemberPlaced | None = None
    due: set[int] = field(default_factory=set)
    followed_up: set[int] = field(default_factory=set)
    left_on: date | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.placement_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, MemberPlaced):
            self.placed = event
        elif isinstance(event, FollowUpDue):
            self.due.add(event.month)
        elif isinstance(event, FollowUpRecorded):
            self.followed_up.add(event.month)
        elif isinstance(event, PlacementEnded):
            self.left_on = event.left_on

    def place(self, placed: MemberPlaced) -> None:
        if self.placed is not None:
            raise Conflict("该就业记录已存在", code="placement-exists")
        self._record(placed)

    def _require_placed(self) -> MemberPlaced:
        if self.placed is None:
            raise PlacementRuleViolation("就业记录不存在")
        return self.placed

    def mark_due(self, today: date) -> list[EventPayload]:
        """A follow-up-due for each follow-up whose day has come and that is neither due already nor
        recorded; none after the member left."""
        placed = self._require_placed()
        if self.left_on is not None:
            return []
        events = [
            FollowUpDue(
                placement_id=self.placement_id,
                member_id=placed.member_id,
                month=m,
                due_on=due_on(placed.start_date, m),
                member_origin_division_code=placed.member_origin_division_code,
            )
            for m in FOLLOW_UP_MONTHS
            if due_on(placed.start_date, m) <= today and m not in self.due and m not in self.followed_up
        ]
        return self._record(*events)

    def record_follow_up(
        self,
        month: int,
        followed_up_on: date,
        still_employed: bool,
        wage_paid_on_time: bool | None,
        problems: str | None,
        recorded_by: str,
        today: date,
        problem_kind: FollowUpProblem | None = None,
    ) -> list[EventPayload]:
        """A problem of a kind (`problem_kind`) is taken in by casework as a case; the member, employer,
        posting and work place go with it."""
        placed = self._require_placed()
        if month not in FOLLOW_UP_MONTHS:
            raise PlacementRuleViolation("回访应为到岗后第1、3或6个月", "month")
        if followed_up_on < placed.start_date:
            raise PlacementRuleViolation(
                f"回访日期不能早于到岗日期（{placed.start_date.isoformat()}）", "followed_up_on", code="before-start"
            )
        if followed_up_on > today:
            raise PlacementRuleViolation("回访日期不能晚于今天", "followed_up_on")
        if month in self.followed_up:
            raise Conflict(f"第{month}个月的回访已记录", code="follow-up-recorded")
        text = (problems or "").strip() or None
        if text is not None and len(text) > 500:
            raise PlacementRuleViolation("问题描述不超过500个字", "problems")
        return self._record(
            FollowUpRecorded(
                placement_id=self.placement_id,
                month=month,
                followed_up_on=followed_up_on,
                still_employed=still_employed,
                wage_paid_on_time=wage_paid_on_time if still_employed else None,
                problems=text,
                recorded_by=recorded_by,
                problem_kind=problem_kind,
                member_id=placed.member_id,
                member_origin_division_code=placed.member_origin_division_code,
                employer_id=placed.employer_id,
                posting_id=placed.posting_id,
                place_division_code=placed.place_division_code,
            )
        )

    def end(self, left_on: date, reason: str | None, recorded_by: str, today: date) -> list[EventPayload]:
        placed = self._require_placed()
        if self.left_on is not None:
            raise Conflict("已记录离职", code="placement-ended")
        if left_on < placed.start_date:
            raise PlacementRuleViolation("离职日期不能早于到岗日期", "left_on", code="before-start")
        if left_on > today:
            raise PlacementRuleViolation("离职日期不能晚于今天", "left_on")
        text = (reason or "").strip() or None
        if text is not None and len(text) > 200:
            raise PlacementRuleViolation("离职原因不超过200个字", "reason")
        return self._record(
            PlacementEnded(placement_id=self.placement_id, left_on=left_on, reason=text, recorded_by=recorded_by)
        )

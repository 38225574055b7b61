"""The training course aggregate (技能培训): open, enrol within capacity, record completions. Pure, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from kite_common.domain import Aggregate, Conflict, NotFound
from kite_common.events import EventPayload

from kite_jobs.domain.events import CourseEnrolled, CourseOpened, TrainingCompleted
from kite_jobs.domain.posting import MAX_WAGE_FEN
from kite_jobs.domain.rules import JobsRuleViolation, is_division_code

MAX_CAPACITY = 10_000


class CourseRuleViolation(JobsRuleViolation):
    code = "invalid-course"


@dataclass(frozen=True)
class CourseDetails:
    title: str
    trade: str
    provider: str
    place_division_code: str
    starts_on: date
    ends_on: date
    capacity: int
    subsidy_fen: int = 0
    certificate: str | None = None


def _text(value: str | None, field_name: str, label: str, required: bool = True) -> str | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise CourseRuleViolation(f"请填写{label}", field_name)
        return None
    if len(text) > 100:
        raise CourseRuleViolation(f"{label}不超过100个字", field_name)
    return text


@dataclass
class Course(Aggregate):
    stream_prefix: ClassVar[str] = "course"
    label: ClassVar[str] = "该培训班"

    course_id: uuid.UUID
    opened: CourseOpened | None = None
    enrolled: dict[uuid.UUID, str] = field(default_factory=dict)  # member → origin
    completed: set[uuid.UUID] = field(default_factory=set)

    @property
    def id(self) -> uuid.UUID:
        return self.course_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, CourseOpened):
            self.opened = event
        elif isinstance(event, CourseEnrolled):
            self.enrolled[event.member_id] = event.member_origin_division_code
        elif isinstance(event, TrainingCompleted):
            self.completed.add(event.member_id)

    def open(self, d: CourseDetails, area_division_code: str, opened_by: str) -> None:
        if self.opened is not None:
            raise CourseRuleViolation("该培训班已开设")
        title = _text(d.title, "title", "培训班名称")
        trade = _text(d.trade, "trade", "培训工种")
        provider = _text(d.provider, "provider", "培训机构")
        assert title is not None and trade is not None and provider is not None
        if not is_division_code(d.place_division_code):
            raise CourseRuleViolation("培训地点应为12位统计用区划代码", "place_division_code")
        if d.ends_on < d.starts_on:
            raise CourseRuleViolation("结束日期不能早于开始日期", "ends_on")
        if not 1 <= d.capacity <= MAX_CAPACITY:
            raise CourseRuleViolation(f"名额应在1至{MAX_CAPACITY}之间", "capacity")
        if not 0 <= d.subsidy_fen <= MAX_WAGE_FEN:
            raise CourseRuleViolation("补贴金额应为非负数（单位：分）", "subsidy_fen")
        self._record(
            CourseOpened(
                course_id=self.course_id,
                title=title,
                trade=trade,
                provider=provider,
                place_division_code=d.place_division_code,
                starts_on=d.starts_on,
                ends_on=d.ends_on,
                capacity=d.capacity,
                subsidy_fen=d.subsidy_fen,
                certificate=_text(d.certificate, "certificate", "证书名称", required=False),
                area_division_code=area_division_code,
                opened_by=opened_by,
            )
        )

    def _require_opened(self) -> CourseOpened:
        if self.opened is None:
            raise NotFound("未找到该培训班", code="course-not-found")
        return self.opened

    def enrol(self, member_id: uuid.UUID, origin: str, enrolled_by: str, today: date) -> list[EventPayload]:
        course = self._require_opened()
        if member_id in self.enrolled:
            raise Conflict("该人员已报名此培训班", code="already-enrolled")
        if today > course.ends_on:
            raise Conflict("培训班已结束，不能报名", code="course-ended")
        if len(self.enrolled) >= course.capacity:
            raise Conflict(f"培训班名额已满（{course.capacity}人）", code="course-full")
        return self._record(
            CourseEnrolled(
                course_id=self.course_id,
                member_id=member_id,
                member_origin_division_code=origin,
                enrolled_by=enrolled_by,
            )
        )

    def complete(self, member_id: uuid.UUID, completed_on: date, recorded_by: str, today: date) -> list[EventPayload]:
        course = self._require_opened()
        if member_id not in self.enrolled:
            raise NotFound("该人员未报名此培训班", code="enrolment-not-found")
        if member_id in self.completed:
            raise Conflict("该人员的结业已记录", code="already-completed")
        if completed_on < course.starts_on:
            raise CourseRuleViolation("结业日期不能早于开班日期", "completed_on")
        if completed_on > today:
            raise CourseRuleViolation("结业日期不能晚于今天", "completed_on")
        return self._record(
            TrainingCompleted(
                course_id=self.course_id,
                member_id=member_id,
                member_origin_division_code=self.enrolled[member_id],
                skill=course.trade,
                certificate=course.certificate,
                completed_on=completed_on,
                recorded_by=recorded_by,
            )
        )

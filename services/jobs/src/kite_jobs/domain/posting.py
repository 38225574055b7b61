"""The posting aggregate (岗位): opening, closing and matching members to it. Pure, no I/O.

A posting belongs to the jurisdiction that keeps its employer; its place is where the work is. The
posting remembers every member matched to it, so one member is never matched twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import ClassVar

from kite_common.domain import Aggregate, Conflict, NotFound
from kite_common.events import EventPayload

from kite_jobs.domain.events import (
    ApplicationDeclined,
    ApplicationHired,
    ApplicationSubmitted,
    JobMatched,
    PostingClosed,
    PostingOpenedV2,
)
from kite_jobs.domain.matching import Candidate, PostingTerms, rank
from kite_jobs.domain.rules import PostingRuleViolation, is_division_code, normalise_names, normalise_skills

MAX_SKILLS = 30
MAX_HEADCOUNT = 100_000
MAX_WAGE_FEN = 100_000_000  # 100万元 a month: anything above is a typing error
AGE_RANGE = (16, 70)
# How far back a start date may lie: a placement is recorded soon after it happens.
MAX_START_BACKDATE = timedelta(days=90)


class ApplicationStatus(StrEnum):
    SUBMITTED = "submitted"  # 已投递
    HIRED = "hired"  # 已录用
    DECLINED = "declined"  # 未录用


class PostingClosedConflict(Conflict):
    code = "posting-closed"

    def __init__(self, message: str = "岗位已关闭或已过截止日期") -> None:
        super().__init__(message)


@dataclass(frozen=True)
class PostingDetails:
    employer_id: uuid.UUID
    title: str
    skills_required: tuple[str, ...]
    headcount: int
    wage_min_fen: int
    wage_max_fen: int
    place_division_code: str
    opens_on: date
    closes_on: date
    trades: tuple[str, ...] = ()
    place_label: str | None = None
    housing: bool = False
    meals: bool = False
    age_min: int | None = None
    age_max: int | None = None
    certificates_required: tuple[str, ...] = ()


@dataclass
class Posting(Aggregate):
    stream_prefix: ClassVar[str] = "posting"
    label: ClassVar[str] = "该岗位"

    posting_id: uuid.UUID
    opened: bool = False
    closed: bool = False
    employer_id: uuid.UUID | None = None
    area_division_code: str = ""
    title: str = ""
    place_division_code: str = ""
    place_label: str | None = None
    terms: PostingTerms | None = None
    matched: set[uuid.UUID] = field(default_factory=set)
    headcount: int = 0
    filled: int = 0
    applications: dict[uuid.UUID, ApplicationStatus] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.posting_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, PostingOpenedV2):
            self.opened = True
            self.employer_id = event.employer_id
            self.area_division_code = event.area_division_code
            self.title = event.title
            self.place_division_code = event.place_division_code
            self.place_label = event.place_label
            self.headcount = event.headcount
            self.terms = PostingTerms(
                skills_required=tuple(event.skills_required),
                place_division_code=event.place_division_code,
                wage_min_fen=event.wage_min_fen,
                wage_max_fen=event.wage_max_fen,
                opens_on=event.opens_on or date.min,
                closes_on=event.closes_on or date.max,
                age_min=event.age_min,
                age_max=event.age_max,
                certificates_required=tuple(event.certificates_required),
            )
        elif isinstance(event, PostingClosed):
            self.closed = True
        elif isinstance(event, JobMatched):
            self.matched.add(event.member_id)
        elif isinstance(event, ApplicationSubmitted):
            self.applications[event.member_id] = ApplicationStatus.SUBMITTED
        elif isinstance(event, ApplicationDeclined):
            self.applications[event.member_id] = ApplicationStatus.DECLINED
        elif isinstance(event, ApplicationHired):
            self.applications[event.member_id] = ApplicationStatus.HIRED
            self.filled = event.filled_count

    def open(self, details: PostingDetails, area_division_code: str, opened_by: str, today: date) -> None:
        if self.opened:
            raise PostingRuleViolation("该岗位已发布")
        title = details.title.strip()
        skills = normalise_skills(details.skills_required)
        if not title:
            raise PostingRuleViolation("岗位名称不能为空", "title")
        if len(title) > 100:
            raise PostingRuleViolation("岗位名称不超过100个字", "title")
        if not skills:
            raise PostingRuleViolation("至少需要一项技能要求", "skills_required")
        if len(skills) > MAX_SKILLS or any(len(s) > 50 for s in skills):
            raise PostingRuleViolation(f"技能要求最多{MAX_SKILLS}项，每项不超过50个字", "skills_required")
        trades = normalise_names(details.trades, "trades", "工种", 10, PostingRuleViolation)
        certificates = normalise_names(
            details.certificates_required, "certificates_required", "证书要求", 10, PostingRuleViolation
        )
        if details.headcount < 1:
            raise PostingRuleViolation("招聘人数至少为1", "headcount", code="headcount-zero")
        if details.headcount > MAX_HEADCOUNT:
            raise PostingRuleViolation(f"招聘人数不超过{MAX_HEADCOUNT}", "headcount")
        if details.wage_min_fen < 0:
            raise PostingRuleViolation("月薪下限不能为负数", "wage_min_fen")
        if details.wage_max_fen > MAX_WAGE_FEN:
            raise PostingRuleViolation("月薪上限数额过大，请核对（单位：分）", "wage_max_fen")
        if details.wage_max_fen < details.wage_min_fen:
            raise PostingRuleViolation("月薪下限不能高于上限", "wage_min_fen", code="wage-range-reversed")
        if not is_division_code(details.place_division_code):
            raise PostingRuleViolation("工作地应为12位统计用区划代码", "place_division_code")
        low, high = AGE_RANGE
        for name, age in (("age_min", details.age_min), ("age_max", details.age_max)):
            if age is not None and not low <= age <= high:
                raise PostingRuleViolation(f"年龄要求应在{low}至{high}岁之间", name)
        if details.age_min is not None and details.age_max is not None and details.age_min > details.age_max:
            raise PostingRuleViolation("最低年龄不能高于最高年龄", "age_min")
        if details.closes_on < details.opens_on:
            raise PostingRuleViolation("截止日期不能早于开始日期", "closes_on")
        if details.closes_on < today:
            raise PostingRuleViolation("截止日期已过，不能发布", "closes_on")
        label = (details.place_label or "").strip() or None
        if label is not None and len(label) > 50:
            raise PostingRuleViolation("工作地名称不超过50个字", "place_label")
        self._record(
            PostingOpenedV2(
                posting_id=self.posting_id,
                employer_id=details.employer_id,
                title=title,
                trades=trades,
                skills_required=skills,
                headcount=details.headcount,
                wage_min_fen=details.wage_min_fen,
                wage_max_fen=details.wage_max_fen,
                place_division_code=details.place_division_code,
                place_label=label,
                housing=details.housing,
                meals=details.meals,
                age_min=details.age_min,
                age_max=details.age_max,
                certificates_required=certificates,
                opens_on=details.opens_on,
                closes_on=details.closes_on,
                area_division_code=area_division_code,
                opened_by=opened_by,
            )
        )

    def close(self, closed_by: str, reason: str | None) -> list[EventPayload]:
        """Closing a closed posting changes nothing (a retried request is safe)."""
        if self.closed:
            return []
        text = (reason or "").strip() or None
        if text is not None and len(text) > 200:
            raise PostingRuleViolation("关闭原因不超过200个字", "reason")
        return self._record(PostingClosed(posting_id=self.posting_id, reason=text, closed_by=closed_by))

    def is_open_on(self, day: date) -> bool:
        return self.opened and not self.closed and self.terms is not None and day <= self.terms.closes_on

    def match(self, candidates: Iterable[Candidate], matched_by: str, today: date, limit: int) -> list[JobMatched]:
        """One job-matched per candidate that fits and was never matched to this posting, best first."""
        if self.employer_id is None or self.terms is None:
            raise PostingRuleViolation("岗位不存在")
        if not self.is_open_on(today):
            raise PostingClosedConflict("岗位已关闭或已过截止日期，不能再匹配")
        matched = [
            JobMatched(
                posting_id=self.posting_id,
                member_id=m.candidate.member_id,
                employer_id=self.employer_id,
                title=self.title,
                city=self.place_label or self.place_division_code,
                matched_skills=list(m.matched_skills),
                score=m.score,
                member_origin_division_code=m.candidate.origin_division_code,
                matched_by=matched_by,
                place_division_code=self.place_division_code,
                priority=int(m.candidate.priority),
                score_parts=list(m.parts),
            )
            for m in rank(self.terms, candidates, today, exclude=self.matched, limit=limit)
        ]
        self._record(*matched)
        return matched

    def submit_application(
        self, member_id: uuid.UUID, origin_division_code: str, submitted_by: str, today: date
    ) -> list[EventPayload]:
        if self.employer_id is None:
            raise PostingRuleViolation("岗位不存在")
        if not self.is_open_on(today):
            raise PostingClosedConflict("岗位已关闭或已过截止日期，不能再投递")
        if member_id in self.applications:
            raise Conflict("该人员已投递此岗位", code="application-exists")
        return self._record(
            ApplicationSubmitted(
                posting_id=self.posting_id,
                member_id=member_id,
                employer_id=self.employer_id,
                member_origin_division_code=origin_division_code,
                from_match=member_id in self.matched,
                submitted_by=submitted_by,
            )
        )

    def _pending_application(self, member_id: uuid.UUID) -> None:
        status = self.applications.get(member_id)
        if status is None:
            raise NotFound("未找到该人员对此岗位的投递", code="application-not-found")
        if status is not ApplicationStatus.SUBMITTED:
            label = "已录用" if status is ApplicationStatus.HIRED else "已婉拒"
            raise Conflict(f"该投递{label}，不能再处理", code="application-decided")

    def decline(self, member_id: uuid.UUID, reason: str, declined_by: str) -> list[EventPayload]:
        self._pending_application(member_id)
        text = reason.strip()
        if not text:
            raise PostingRuleViolation("请填写未录用原因", "reason")
        if len(text) > 200:
            raise PostingRuleViolation("未录用原因不超过200个字", "reason")
        return self._record(
            ApplicationDeclined(posting_id=self.posting_id, member_id=member_id, reason=text, declined_by=declined_by)
        )

    def hire(
        self, member_id: uuid.UUID, placement_id: uuid.UUID, start_date: date, wage_fen: int, today: date
    ) -> ApplicationHired:
        """The posting's side of a placement; the placement itself is `Placement.place`."""
        self._pending_application(member_id)
        if self.closed:
            raise PostingClosedConflict("岗位已关闭，不能录用")
        if self.filled >= self.headcount:
            raise Conflict(f"岗位已招满（{self.headcount}人）", code="posting-filled")
        if wage_fen <= 0 or wage_fen > MAX_WAGE_FEN:
            raise PostingRuleViolation("月薪应为正数（单位：分）", "wage_fen")
        if start_date < today - MAX_START_BACKDATE:
            raise PostingRuleViolation("到岗日期不应早于90天前", "start_date")
        if start_date > today + timedelta(days=366):
            raise PostingRuleViolation("到岗日期不应晚于一年以后", "start_date")
        hired = ApplicationHired(
            posting_id=self.posting_id, member_id=member_id, placement_id=placement_id, filled_count=self.filled + 1
        )
        self._record(hired)
        return hired

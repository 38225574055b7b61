"""The posting aggregate: opening a posting and matching members to it. Pure, no I/O.

The posting remembers every member matched to it, so one member is never matched twice.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import ClassVar

from kite_common.domain import Aggregate
from kite_common.events import EventPayload

from kite_jobs.domain.events import JobMatched, PostingOpened
from kite_jobs.domain.matching import Candidate, rank
from kite_jobs.domain.rules import PostingRuleViolation, is_division_code, normalise_skills

MAX_SKILLS = 30


@dataclass(frozen=True)
class PostingDetails:
    employer_id: uuid.UUID
    title: str
    city: str
    skills_required: tuple[str, ...]
    headcount: int
    wage_min: int
    wage_max: int
    area_division_code: str


@dataclass
class Posting(Aggregate):
    stream_prefix: ClassVar[str] = "posting"
    label: ClassVar[str] = "该岗位"

    posting_id: uuid.UUID
    opened: bool = False
    employer_id: uuid.UUID | None = None
    title: str = ""
    city: str = ""
    skills_required: tuple[str, ...] = ()
    matched: set[uuid.UUID] = field(default_factory=set)

    @property
    def id(self) -> uuid.UUID:
        return self.posting_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, PostingOpened):
            self.opened = True
            self.employer_id = event.employer_id
            self.title = event.title
            self.city = event.city
            self.skills_required = tuple(event.skills_required)
        elif isinstance(event, JobMatched):
            self.matched.add(event.member_id)

    def open(self, details: PostingDetails, opened_by: str) -> list[EventPayload]:
        if self.opened:
            raise PostingRuleViolation("该岗位已发布")
        title, city = details.title.strip(), details.city.strip()
        skills = normalise_skills(details.skills_required)
        if not title:
            raise PostingRuleViolation("岗位名称不能为空", "title")
        if not city:
            raise PostingRuleViolation("工作城市不能为空", "city")
        if not skills:
            raise PostingRuleViolation("至少需要一项技能要求", "skills_required")
        if len(skills) > MAX_SKILLS:
            raise PostingRuleViolation(f"技能要求最多{MAX_SKILLS}项", "skills_required")
        if details.headcount < 1:
            raise PostingRuleViolation("招聘人数至少为1", "headcount")
        if details.wage_min < 0 or details.wage_max < details.wage_min:
            raise PostingRuleViolation("月薪下限不能为负，且不能高于上限", "wage_min")
        if not is_division_code(details.area_division_code):
            raise PostingRuleViolation("工作地应为12位统计用区划代码", "area_division_code")
        opened = PostingOpened(
            posting_id=self.posting_id,
            employer_id=details.employer_id,
            title=title,
            city=city,
            skills_required=skills,
            headcount=details.headcount,
            wage_min=details.wage_min,
            wage_max=details.wage_max,
            area_division_code=details.area_division_code,
            opened_by=opened_by,
        )
        self._record(opened)
        return [opened]

    def match(self, candidates: Iterable[Candidate], matched_by: str, limit: int) -> list[JobMatched]:
        """One job-matched per candidate that fits and was never matched to this posting."""
        if not self.opened or self.employer_id is None:
            raise PostingRuleViolation("岗位不存在")
        matched = [
            JobMatched(
                posting_id=self.posting_id,
                member_id=m.candidate.member_id,
                employer_id=self.employer_id,
                title=self.title,
                city=self.city,
                matched_skills=list(m.matched_skills),
                score=m.score,
                member_origin_division_code=m.candidate.origin_division_code,
                matched_by=matched_by,
            )
            for m in rank(self.city, self.skills_required, candidates, exclude=self.matched, limit=limit)
        ]
        self._record(*matched)
        return matched

"""Return-home business and talent recall (返乡创业, 人才回引). Pure, no I/O.

A venture is a returned member's business at home: investment (fen), jobs created, and the support
given to it. A recall campaign names the skills the home county wants back; its outcomes say, per
member, how far the recall went."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import ClassVar

from kite_common.domain import Aggregate, NotFound
from kite_common.events import EventPayload

from kite_jobs.domain.events import (
    RecallCampaignOpened,
    RecallOutcomeRecorded,
    VentureJobsReported,
    VentureRegistered,
    VentureSupported,
)
from kite_jobs.domain.rules import JobsRuleViolation, is_division_code, normalise_names

MAX_FEN = 100_000_000_000  # 10亿元
MAX_JOBS = 1_000_000


class VentureRuleViolation(JobsRuleViolation):
    code = "invalid-venture"


class SupportKind(StrEnum):
    LOAN = "loan"  # 创业担保贷款
    SUBSIDY = "subsidy"  # 创业补贴
    SITE = "site"  # 场地
    TRAINING = "training"  # 创业培训
    OTHER = "other"


class RecallOutcome(StrEnum):
    CONTACTED = "contacted"  # 已联系
    INTERESTED = "interested"  # 有意向
    RETURNED = "returned"  # 已回引
    DECLINED = "declined"  # 暂不回乡


@dataclass(frozen=True)
class VentureDetails:
    name: str
    place_division_code: str
    started_on: date
    investment_fen: int
    jobs_created: int
    industry: str | None = None


def _amounts(investment_fen: int, jobs_created: int) -> None:
    if not 0 <= investment_fen <= MAX_FEN:
        raise VentureRuleViolation("投资额应为非负数（单位：分）", "investment_fen")
    if not 0 <= jobs_created <= MAX_JOBS:
        raise VentureRuleViolation("带动就业人数应为非负整数", "jobs_created")


@dataclass
class Venture(Aggregate):
    stream_prefix: ClassVar[str] = "venture"
    label: ClassVar[str] = "该创业项目"

    venture_id: uuid.UUID
    registered: VentureRegistered | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.venture_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, VentureRegistered):
            self.registered = event

    def register(self, member_id: uuid.UUID, d: VentureDetails, registered_by: str, today: date) -> None:
        if self.registered is not None:
            raise VentureRuleViolation("该创业项目已登记")
        name = d.name.strip()
        if not name or len(name) > 100:
            raise VentureRuleViolation("请填写项目名称（不超过100个字）", "name")
        if not is_division_code(d.place_division_code):
            raise VentureRuleViolation("项目地点应为12位统计用区划代码", "place_division_code")
        if d.started_on > today:
            raise VentureRuleViolation("创办日期不能晚于今天", "started_on")
        _amounts(d.investment_fen, d.jobs_created)
        industry = (d.industry or "").strip() or None
        self._record(
            VentureRegistered(
                venture_id=self.venture_id,
                member_id=member_id,
                name=name,
                industry=industry[:50] if industry else None,
                place_division_code=d.place_division_code,
                started_on=d.started_on,
                investment_fen=d.investment_fen,
                jobs_created=d.jobs_created,
                registered_by=registered_by,
            )
        )

    def _require(self) -> VentureRegistered:
        if self.registered is None:
            raise NotFound("未找到该创业项目", code="venture-not-found")
        return self.registered

    def support(
        self, kind: SupportKind, amount_fen: int, given_on: date, note: str | None, by: str, today: date
    ) -> list[EventPayload]:
        v = self._require()
        if not 0 <= amount_fen <= MAX_FEN:
            raise VentureRuleViolation("扶持金额应为非负数（单位：分）", "amount_fen")
        if given_on < v.started_on or given_on > today:
            raise VentureRuleViolation("扶持日期应在创办日期与今天之间", "given_on")
        text = (note or "").strip() or None
        return self._record(
            VentureSupported(
                venture_id=self.venture_id,
                kind=kind.value,
                amount_fen=amount_fen,
                given_on=given_on,
                note=text[:200] if text else None,
                recorded_by=by,
            )
        )

    def report_jobs(
        self, jobs_created: int, investment_fen: int, reported_on: date, by: str, today: date
    ) -> list[EventPayload]:
        v = self._require()
        _amounts(investment_fen, jobs_created)
        if reported_on < v.started_on or reported_on > today:
            raise VentureRuleViolation("填报日期应在创办日期与今天之间", "reported_on")
        return self._record(
            VentureJobsReported(
                venture_id=self.venture_id,
                jobs_created=jobs_created,
                investment_fen=investment_fen,
                reported_on=reported_on,
                recorded_by=by,
            )
        )


@dataclass
class RecallCampaign(Aggregate):
    stream_prefix: ClassVar[str] = "recall"
    label: ClassVar[str] = "该人才回引活动"

    campaign_id: uuid.UUID
    opened: RecallCampaignOpened | None = None
    outcomes: dict[uuid.UUID, RecallOutcome] = field(default_factory=dict)

    @property
    def id(self) -> uuid.UUID:
        return self.campaign_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, RecallCampaignOpened):
            self.opened = event
        elif isinstance(event, RecallOutcomeRecorded):
            self.outcomes[event.member_id] = RecallOutcome(event.outcome)

    def open(self, title: str, skills: Sequence[str], area: str, by: str) -> None:
        text = title.strip()
        if not text or len(text) > 100:
            raise VentureRuleViolation("请填写活动名称（不超过100个字）", "title")
        wanted = normalise_names(skills, "skills_wanted", "所需技能", 30, VentureRuleViolation)
        if not wanted:
            raise VentureRuleViolation("至少需要一项所需技能", "skills_wanted")
        self._record(
            RecallCampaignOpened(
                campaign_id=self.campaign_id, title=text, skills_wanted=wanted, area_division_code=area, opened_by=by
            )
        )

    def record(self, member_id: uuid.UUID, origin: str, outcome: RecallOutcome, by: str) -> list[EventPayload]:
        """The same outcome again records nothing."""
        if self.opened is None:
            raise NotFound("未找到该人才回引活动", code="recall-campaign-not-found")
        if self.outcomes.get(member_id) is outcome:
            return []
        return self._record(
            RecallOutcomeRecorded(
                campaign_id=self.campaign_id,
                member_id=member_id,
                member_origin_division_code=origin,
                outcome=outcome.value,
                recorded_by=by,
            )
        )

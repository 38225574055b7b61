"""The job fair aggregate (专场招聘): organisers, place and day (or online), employers with their
postings, members registered or invited, check-in, offers. Pure, no I/O; the application checks that
employers, postings and members exist in the caller's jurisdiction."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import ClassVar

from kite_common.domain import Aggregate, Conflict, NotFound
from kite_common.events import EventPayload

from kite_jobs.domain.events import (
    FairCheckedIn,
    FairEmployerJoined,
    FairOfferMade,
    FairOrganised,
    FairRegistered,
)
from kite_jobs.domain.rules import JobsRuleViolation, is_division_code


class FairRuleViolation(JobsRuleViolation):
    code = "invalid-fair"


@dataclass(frozen=True)
class FairDetails:
    title: str
    organisers: Sequence[str]
    held_on: date
    online: bool = False
    place_division_code: str | None = None


@dataclass
class Fair(Aggregate):
    stream_prefix: ClassVar[str] = "fair"
    label: ClassVar[str] = "该招聘会"

    fair_id: uuid.UUID
    organised: FairOrganised | None = None
    postings: dict[uuid.UUID, uuid.UUID] = field(default_factory=dict)  # posting → employer
    registered: set[uuid.UUID] = field(default_factory=set)
    checked_in: set[uuid.UUID] = field(default_factory=set)
    offers: set[tuple[uuid.UUID, uuid.UUID]] = field(default_factory=set)  # (member, posting)

    @property
    def id(self) -> uuid.UUID:
        return self.fair_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, FairOrganised):
            self.organised = event
        elif isinstance(event, FairEmployerJoined):
            for pid in event.posting_ids:
                self.postings[pid] = event.employer_id
        elif isinstance(event, FairRegistered):
            self.registered.add(event.member_id)
        elif isinstance(event, FairCheckedIn):
            self.checked_in.add(event.member_id)
        elif isinstance(event, FairOfferMade):
            self.offers.add((event.member_id, event.posting_id))

    def organise(self, d: FairDetails, area_division_code: str, organised_by: str, today: date) -> None:
        if self.organised is not None:
            raise FairRuleViolation("该招聘会已登记")
        title = d.title.strip()
        if not title or len(title) > 100:
            raise FairRuleViolation("请填写招聘会名称（不超过100个字）", "title")
        organisers = sorted({o.strip() for o in d.organisers if o.strip()})
        if not organisers or len(organisers) > 20 or any(len(o) > 100 for o in organisers):
            raise FairRuleViolation("请填写主办单位（1至20个，每个不超过100个字）", "organisers")
        if d.online and d.place_division_code:
            raise FairRuleViolation("线上招聘会不填写举办地点", "place_division_code")
        if not d.online and not (d.place_division_code and is_division_code(d.place_division_code)):
            raise FairRuleViolation("线下招聘会须填写举办地点（12位统计用区划代码）", "place_division_code")
        if d.held_on < today:
            raise FairRuleViolation("举办日期不能早于今天", "held_on")
        self._record(
            FairOrganised(
                fair_id=self.fair_id,
                title=title,
                organisers=organisers,
                held_on=d.held_on,
                online=d.online,
                place_division_code=None if d.online else d.place_division_code,
                area_division_code=area_division_code,
                organised_by=organised_by,
            )
        )

    def _require(self) -> FairOrganised:
        if self.organised is None:
            raise NotFound("未找到该招聘会", code="fair-not-found")
        return self.organised

    def join(self, employer_id: uuid.UUID, posting_ids: Sequence[uuid.UUID], joined_by: str) -> list[EventPayload]:
        """Only postings not yet at the fair are recorded; none new, no event."""
        self._require()
        new = sorted({p for p in posting_ids if p not in self.postings})
        if not new:
            return []
        return self._record(
            FairEmployerJoined(fair_id=self.fair_id, employer_id=employer_id, posting_ids=new, joined_by=joined_by)
        )

    def register(self, member_id: uuid.UUID, origin: str, invited: bool, by: str, today: date) -> list[EventPayload]:
        fair = self._require()
        if today > fair.held_on:
            raise Conflict("招聘会已结束，不能再报名", code="fair-over")
        if member_id in self.registered:
            return []
        return self._record(
            FairRegistered(
                fair_id=self.fair_id,
                member_id=member_id,
                member_origin_division_code=origin,
                invited=invited,
                registered_by=by,
            )
        )

    def check_in(self, member_id: uuid.UUID, by: str, today: date) -> list[EventPayload]:
        fair = self._require()
        if member_id not in self.registered:
            raise NotFound("该人员未报名此招聘会", code="fair-registration-not-found")
        if today < fair.held_on:
            raise Conflict("招聘会尚未开始，不能签到", code="fair-not-started")
        if member_id in self.checked_in:
            return []
        return self._record(FairCheckedIn(fair_id=self.fair_id, member_id=member_id, checked_in_by=by))

    def offer(self, member_id: uuid.UUID, posting_id: uuid.UUID, by: str) -> list[EventPayload]:
        self._require()
        if member_id not in self.checked_in:
            raise Conflict("该人员未在招聘会签到", code="fair-not-checked-in")
        employer_id = self.postings.get(posting_id)
        if employer_id is None:
            raise FairRuleViolation("该岗位未参加此招聘会", "posting_id")
        if (member_id, posting_id) in self.offers:
            return []
        return self._record(
            FairOfferMade(
                fair_id=self.fair_id,
                member_id=member_id,
                posting_id=posting_id,
                employer_id=employer_id,
                recorded_by=by,
            )
        )

"""The case aggregate (诉求): pure decisions, no I/O."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import ClassVar

from kite_common.domain import Aggregate, Conflict, NotFound, RuleViolation
from kite_common.events import EventPayload, NewEvent

from kite_casework.domain.categories import CaseCategory
from kite_casework.domain.events import CaseAccepted, CaseOpened
from kite_casework.domain.redaction import redact_personal_numbers
from kite_casework.domain.sla import Urgency, deadline, sla_tier


class CaseStatus(StrEnum):
    OPEN = "open"  # 待受理: nobody owns it yet
    ACCEPTED = "accepted"  # 已受理: the first responder owns it

    @property
    def label(self) -> str:
        return {"open": "待受理", "accepted": "已受理"}[self.value]

    @property
    def unresolved(self) -> bool:
        """Still on the SLA clock: an unresolved case past its deadline is overdue."""
        return self in UNRESOLVED


UNRESOLVED = frozenset({CaseStatus.OPEN, CaseStatus.ACCEPTED})


class CaseRuleViolation(RuleViolation):
    """A request the domain refuses (422); the message is for people (Chinese)."""

    code = "case-rule"


class CaseNotOpened(NotFound):
    code = "case-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该诉求")


class AlreadyOpened(CaseRuleViolation):
    code = "case-already-opened"

    def __init__(self) -> None:
        super().__init__("该诉求已受理登记")


class AlreadyAccepted(Conflict):
    """首问责任制: a case has one owner (409, naming it in `accepted_by`). `by_you` tells the owner
    trying again from someone else."""

    def __init__(self, owner: str, by_you: bool) -> None:
        super().__init__(
            "该诉求已由您受理" if by_you else f"该诉求已由 {owner} 受理，由其首问负责",
            code="already-accepted-by-you" if by_you else "already-accepted",
            accepted_by=owner,
        )
        self.owner = owner
        self.by_you = by_you


@dataclass(frozen=True)
class CaseRequest:
    member_id: uuid.UUID
    category: CaseCategory
    urgency: Urgency
    description: str


@dataclass
class Case(Aggregate):
    stream_prefix: ClassVar[str] = "case"
    label: ClassVar[str] = "该诉求"

    case_id: uuid.UUID
    status: CaseStatus | None = None
    origin_division_code: str | None = None
    accepted_by: str | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.case_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, CaseOpened):
            self.status = CaseStatus.OPEN
            self.origin_division_code = event.origin_division_code
        elif isinstance(event, CaseAccepted):
            self.status = CaseStatus.ACCEPTED
            self.accepted_by = event.accepted_by

    def open(self, request: CaseRequest, origin_division_code: str, opened_by: str, now: datetime) -> list[NewEvent]:
        """Open the case for a member whose home place is `origin_division_code`; the SLA clock
        starts at `now`, which is also the event's time."""
        if self.status is not None:
            raise AlreadyOpened()
        description = redact_personal_numbers(request.description.strip())
        if not description:
            raise CaseRuleViolation("请填写诉求内容")
        tier = sla_tier(request.category, request.urgency)
        opened = CaseOpened(
            case_id=self.case_id,
            member_id=request.member_id,
            origin_division_code=origin_division_code,
            category=request.category,
            urgency=request.urgency,
            description=description,
            sla_tier=tier,
            deadline=deadline(now, tier),
            opened_by=opened_by,
        )
        return self._record(NewEvent(opened, time=now))

    def accept(self, accepted_by: str, now: datetime) -> list[NewEvent]:
        """首问责任制: the first to accept owns the case; anyone after, the owner included, is refused."""
        if self.status is None:
            raise CaseNotOpened()
        if self.accepted_by is not None:
            raise AlreadyAccepted(self.accepted_by, by_you=self.accepted_by == accepted_by)
        return self._record(
            NewEvent(CaseAccepted(case_id=self.case_id, accepted_by=accepted_by, accepted_at=now), time=now)
        )

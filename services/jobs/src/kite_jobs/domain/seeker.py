"""The job-seeker (求职登记) of a member: where they want to work, whether they would move, the wage
they expect, their certificates and from when they can start. Pure, no I/O. Keyed by the member's id;
a later registration replaces the earlier one whole. Skills and age come from the roster (the member
mirror), so a skill roster learns is matched at once."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from kite_common.domain import Aggregate
from kite_common.events import EventPayload

from kite_jobs.domain.events import SeekerRegistered
from kite_jobs.domain.posting import MAX_WAGE_FEN
from kite_jobs.domain.rules import SeekerRuleViolation, is_division_code, normalise_names

# Further ahead than a year is not someone looking for work now.
MAX_AVAILABLE_AHEAD = timedelta(days=366)


@dataclass(frozen=True)
class SeekerDetails:
    desired_division_code: str
    expected_wage_fen: int
    available_from: date
    willing_to_move: bool = False
    certificates: Sequence[str] = ()


@dataclass
class Seeker(Aggregate):
    stream_prefix: ClassVar[str] = "seeker"
    label: ClassVar[str] = "该求职登记"

    member_id: uuid.UUID
    registered: bool = False
    last: SeekerRegistered | None = None

    @property
    def id(self) -> uuid.UUID:
        return self.member_id

    def apply(self, event: EventPayload) -> None:
        if isinstance(event, SeekerRegistered):
            self.registered = True
            self.last = event

    def register(
        self, details: SeekerDetails, origin_division_code: str, recorded_by: str, today: date
    ) -> list[EventPayload]:
        """No event when nothing changes (a retried request is safe)."""
        if not is_division_code(details.desired_division_code):
            raise SeekerRuleViolation("意向工作地应为12位统计用区划代码", "desired_division_code")
        if details.expected_wage_fen < 0:
            raise SeekerRuleViolation("期望月薪不能为负数", "expected_wage_fen")
        if details.expected_wage_fen > MAX_WAGE_FEN:
            raise SeekerRuleViolation("期望月薪数额过大，请核对（单位：分）", "expected_wage_fen")
        if details.available_from > today + MAX_AVAILABLE_AHEAD:
            raise SeekerRuleViolation("可上岗日期不应晚于一年以后", "available_from")
        event = SeekerRegistered(
            member_id=self.member_id,
            origin_division_code=origin_division_code,
            desired_division_code=details.desired_division_code,
            willing_to_move=details.willing_to_move,
            expected_wage_fen=details.expected_wage_fen,
            certificates=normalise_names(details.certificates, "certificates", "证书", 20, SeekerRuleViolation),
            available_from=details.available_from,
            recorded_by=recorded_by,
        )
        if self.last is not None and self.last.model_dump(exclude={"recorded_by"}) == event.model_dump(
            exclude={"recorded_by"}
        ):
            return []
        return self._record(event)

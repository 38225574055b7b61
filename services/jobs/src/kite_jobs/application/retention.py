"""Use cases on a placement: record a retention follow-up (稳岗回访), record leaving the job, and mark
the follow-ups that fell due (the worker's step). A placement is reached through the member's home:
outside the caller's jurisdiction it answers as one that does not exist."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import NotFound
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.domain.events import FollowUpProblem
from kite_jobs.domain.placement import Placement


class PlacementNotFound(NotFound):
    code = "placement-not-found"

    def __init__(self) -> None:
        super().__init__("未找到该就业记录")


async def placement_in_jurisdiction(uow: UnitOfWork, principal: Principal, placement_id: uuid.UUID) -> Placement:
    placement = await uow.get(Placement, placement_id)
    if placement.placed is None or not principal.covers(placement.placed.member_origin_division_code):
        raise PlacementNotFound()
    return placement


@dataclass(frozen=True)
class FollowUp:
    month: int
    followed_up_on: date
    still_employed: bool
    wage_paid_on_time: bool | None = None
    problems: str | None = None
    problem_kind: FollowUpProblem | None = None  # a problem casework takes in as a case


@command
async def record_follow_up(
    uow: UnitOfWork, principal: Principal, placement_id: uuid.UUID, f: FollowUp, if_match: int | None, today: date
) -> None:
    async with uow:
        placement = await placement_in_jurisdiction(uow, principal, placement_id)
        placement.expect_version(if_match)
        placement.record_follow_up(
            f.month,
            f.followed_up_on,
            f.still_employed,
            f.wage_paid_on_time,
            f.problems,
            principal.subject,
            today,
            f.problem_kind,
        )
        await uow.save(placement)


@command
async def end_placement(
    uow: UnitOfWork,
    principal: Principal,
    placement_id: uuid.UUID,
    left_on: date,
    reason: str | None,
    if_match: int | None,
    today: date,
) -> None:
    async with uow:
        placement = await placement_in_jurisdiction(uow, principal, placement_id)
        placement.expect_version(if_match)
        placement.end(left_on, reason, principal.subject, today)
        await uow.save(placement)


@command
async def mark_follow_ups_due(uow: UnitOfWork, placement_id: uuid.UUID, today: date) -> int:
    """The number of follow-ups that fell due now (0 when another step or a recording got there first)."""
    async with uow:
        placement = await uow.get(Placement, placement_id)
        if placement.placed is None:
            return 0
        due = placement.mark_due(today)
        if due:
            await uow.save(placement)
    return len(due)

"""Use cases on a posting's applications: a member applies, is declined with a reason, or is hired —
which fills a position of the posting and starts the placement's own stream, in one transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date

from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.ids import new_id
from kite_common.unit_of_work import UnitOfWork

from kite_jobs.application.access import posting_in_jurisdiction
from kite_jobs.application.member_access import member_origin
from kite_jobs.domain.events import MemberPlaced
from kite_jobs.domain.placement import Placement


@command
async def submit_application(
    uow: UnitOfWork, principal: Principal, posting_id: uuid.UUID, member_id: uuid.UUID, today: date
) -> None:
    async with uow:
        posting = await posting_in_jurisdiction(uow, principal, posting_id)
        origin = await member_origin(uow.conn, principal, member_id)
        posting.submit_application(member_id, origin, principal.subject, today)
        await uow.save(posting)


@command
async def decline_application(
    uow: UnitOfWork, principal: Principal, posting_id: uuid.UUID, member_id: uuid.UUID, reason: str
) -> None:
    async with uow:
        posting = await posting_in_jurisdiction(uow, principal, posting_id)
        await member_origin(uow.conn, principal, member_id)
        posting.decline(member_id, reason, principal.subject)
        await uow.save(posting)


@dataclass(frozen=True)
class Hire:
    start_date: date
    wage_fen: int


@command
async def hire(
    uow: UnitOfWork, principal: Principal, posting_id: uuid.UUID, member_id: uuid.UUID, terms: Hire, today: date
) -> uuid.UUID:
    """The placement id. Refused for a closed or full posting and for a member outside the jurisdiction."""
    async with uow:
        posting = await posting_in_jurisdiction(uow, principal, posting_id)
        origin = await member_origin(uow.conn, principal, member_id)
        placement = Placement.create(new_id())
        posting.hire(member_id, placement.placement_id, terms.start_date, terms.wage_fen, today)
        assert posting.employer_id is not None
        placement.place(
            MemberPlaced(
                placement_id=placement.placement_id,
                posting_id=posting_id,
                employer_id=posting.employer_id,
                member_id=member_id,
                member_origin_division_code=origin,
                area_division_code=posting.area_division_code,
                place_division_code=posting.place_division_code,
                title=posting.title,
                start_date=terms.start_date,
                wage_fen=terms.wage_fen,
                placed_by=principal.subject,
            )
        )
        await uow.save(posting, placement)
    return placement.placement_id

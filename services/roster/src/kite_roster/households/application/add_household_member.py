"""Use case: a member joins a household, or moves into it from another one (move=true).

The member must be registered, active, in the caller's jurisdiction and from the household's county.
One who belongs to another household is refused (409, naming it) unless `move`: then the removal
from the old household and the addition are saved in the same transaction."""

from __future__ import annotations

import uuid

import asyncpg
from kite_common.auth import Principal
from kite_common.commands import command
from kite_common.domain import Conflict, NotFound, RuleViolation
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.adapters.member_rows import household_of, lock_member
from kite_roster.households.application.household_for_write import household_for_write
from kite_roster.households.domain.household import move_member
from kite_roster.shared.divisions import county_name


@command
async def add_household_member(
    uow: UnitOfWork,
    principal: Principal,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    relation: str | None = None,
    move: bool = False,
    if_match: int | None = None,
) -> None:
    try:
        async with uow:
            await _add(uow, principal, household_id, member_id, relation, move, if_match)
    except asyncpg.DeadlockDetectedError as exc:  # two opposite moves between the same two households at once
        raise Conflict("该户信息正被他人同时修改，请刷新后重试", code="concurrency-conflict") from exc
    except asyncpg.UniqueViolationError as exc:  # a concurrent request put the member in a household first
        async with uow:
            other = await household_of(uow.conn, member_id)
        raise Conflict(
            "该人员已属于另一户，请先核对", code="member-in-other-household", household_id=str(other)
        ) from exc


async def _add(
    uow: UnitOfWork,
    principal: Principal,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    relation: str | None,
    move: bool,
    if_match: int | None,
) -> None:
    target = await household_for_write(uow, principal, household_id, if_match)
    assert target.division_code is not None
    member = await lock_member(uow.conn, member_id)
    if member is None or not principal.covers(member.origin_division_code):  # outside: as an unknown member
        raise NotFound("未找到该人员", code="member-not-found")
    if not member.active:
        raise RuleViolation(
            "该人员已注销，不能加入家庭",
            code="member-not-active",
            errors=[{"field": "member_id", "code": "member-not-active", "message": "该人员已注销"}],
        )
    origin = member.origin_division_code
    if origin[:6] != target.division_code[:6]:
        raise RuleViolation(
            f"该人员户籍地在{county_name(origin) or origin[:6]}，"
            f"与该户所在县（{county_name(target.division_code) or target.division_code[:6]}）不同，不能加入该户",
            code="wrong-county",
            field="member_id",
        )
    current = await household_of(uow.conn, member_id, lock=True)
    if current is None or current == household_id:
        target.add_member(member_id, principal.subject, relation)
        await uow.save(target)
        return
    if not move:
        raise Conflict(
            "该人员已属于另一户；如需迁入本户，请使用 move=true",
            code="member-in-other-household",
            household_id=str(current),
        )
    source = await household_for_write(uow, principal, current)
    move_member(source, target, member_id, principal.subject, relation)
    # The removal first, so the member is never in two households, not even between two statements.
    await uow.save(source, target)

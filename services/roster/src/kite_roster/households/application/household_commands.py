"""Use cases that change households: register, change flags, add, move and remove members, report
income. Each is one unit of work; a refused request stores nothing."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import asyncpg
from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.http.problems import Conflict, Forbidden, NotFound, Problem, Unprocessable
from kite_common.ids import new_id
from kite_common.runtime import ServiceRuntime
from kite_common.unit_of_work import UnitOfWork

from kite_roster.households.domain.household import (
    FlagChanges,
    Household,
    HouseholdNotRegistered,
    HouseholdRegistration,
    HouseholdRuleViolation,
    NotAHouseholdMember,
    move_member,
    stream_id,
)
from kite_roster.shared.divisions import county_name

CHINA = timezone(timedelta(hours=8))  # no daylight saving: a fixed offset is exact


def stale_version(current_version: int) -> Problem:
    """412: the If-Match version is not the household's current one."""
    return Problem(
        f"该户信息已被他人修改（当前版本 {current_version}），请刷新后重试",
        status=412,
        code="stale-version",
        title="版本已过期",
        current_version=current_version,
    )


@contextmanager
def _refusals() -> Iterator[None]:
    """The domain's refusals as problem details."""
    try:
        yield
    except (HouseholdNotRegistered, NotAHouseholdMember) as exc:
        raise NotFound(str(exc), code=exc.code) from exc
    except HouseholdRuleViolation as exc:
        errors = [{"field": exc.field, "code": exc.code, "message": str(exc)}] if exc.field else []
        raise Unprocessable(str(exc), code=exc.code, errors=errors) from exc


async def _load(
    uow: UnitOfWork, principal: Principal, household_id: uuid.UUID, if_match: int | None = None
) -> tuple[Household, int]:
    loaded = await uow.load(stream_id(household_id))
    household = Household.replay(household_id, loaded.events)
    if household.division_code is None:
        raise NotFound("未找到该户", code="household-not-found")
    if not principal.covers(household.division_code):
        raise Forbidden("该户不在您的管辖范围内", code="outside-jurisdiction")
    if if_match is not None and if_match != loaded.version:
        raise stale_version(loaded.version)
    return household, loaded.version


async def register_household(runtime: ServiceRuntime, principal: Principal, reg: HouseholdRegistration) -> uuid.UUID:
    household = Household(new_id())
    with _refusals():
        events = household.register(reg, registered_by=principal.subject)
    if not principal.covers(reg.division_code):
        raise Forbidden("该户所在地不在您的管辖范围内，不能登记", code="outside-jurisdiction")
    async with runtime.unit_of_work() as uow:
        await uow.append(stream_id(household.household_id), 0, events)
    return household.household_id


async def change_flags(
    runtime: ServiceRuntime,
    principal: Principal,
    household_id: uuid.UUID,
    changes: FlagChanges,
    if_match: int | None = None,
) -> None:
    async with runtime.unit_of_work() as uow:
        household, version = await _load(uow, principal, household_id, if_match)
        with _refusals():
            events = household.change_flags(changes, changed_by=principal.subject)
        if events:
            await uow.append(stream_id(household_id), version, events)


async def add_member(
    runtime: ServiceRuntime,
    principal: Principal,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    relation: str | None = None,
    move: bool = False,
    if_match: int | None = None,
) -> None:
    """The member must be registered, active, in the caller's jurisdiction and from the household's
    county. One who belongs to another household is refused (409, naming it) unless `move`: then
    the removal from the old household and the addition are stored in the same transaction."""
    try:
        async with runtime.unit_of_work() as uow:
            await _add_member(uow, principal, household_id, member_id, relation, move, if_match)
    except asyncpg.DeadlockDetectedError as exc:  # two opposite moves between the same two households at once
        raise Conflict("该户信息正被他人同时修改，请刷新后重试", code="concurrency-conflict") from exc
    except asyncpg.UniqueViolationError as exc:  # a concurrent request put the member in a household first
        async with runtime.pool.acquire() as conn:
            other = await conn.fetchval("SELECT household_id FROM household_members WHERE member_id = $1", member_id)
        raise Conflict(
            "该人员已属于另一户，请先核对", code="member-in-other-household", household_id=str(other)
        ) from exc


async def _add_member(
    uow: UnitOfWork,
    principal: Principal,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    relation: str | None,
    move: bool,
    if_match: int | None,
) -> None:
    target, version = await _load(uow, principal, household_id, if_match)
    assert target.division_code is not None
    # The member's row is locked as the projection will update it (members.household_id): additions of
    # one member queue here, so the second sees the first's household (409), and a deregistration
    # cannot commit between this check and the addition. A share lock would deadlock on the update.
    member = await uow.conn.fetchrow(
        "SELECT origin_division_code, status FROM members WHERE member_id = $1 FOR NO KEY UPDATE", member_id
    )
    if member is None:
        raise NotFound("未找到该人员", code="member-not-found")
    if not principal.covers(member["origin_division_code"]):
        raise Forbidden("该人员不在您的管辖范围内", code="outside-jurisdiction")
    if member["status"] != "active":
        raise Unprocessable(
            "该人员已注销，不能加入家庭",
            code="member-not-active",
            errors=[{"field": "member_id", "code": "member-not-active", "message": "该人员已注销"}],
        )
    if member["origin_division_code"][:6] != target.division_code[:6]:
        message = (
            f"该人员户籍地在{county_name(member['origin_division_code']) or member['origin_division_code'][:6]}，"
            f"与该户所在县（{county_name(target.division_code) or target.division_code[:6]}）不同，不能加入该户"
        )
        raise Unprocessable(
            message, code="wrong-county", errors=[{"field": "member_id", "code": "wrong-county", "message": message}]
        )
    current: uuid.UUID | None = await uow.conn.fetchval(
        "SELECT household_id FROM household_members WHERE member_id = $1 FOR UPDATE", member_id
    )
    with _refusals():
        if current is None or current == household_id:
            added = target.add_member(member_id, principal.subject, relation)
            if added:
                await uow.append(stream_id(household_id), version, added)
            return
        if not move:
            raise Conflict(
                "该人员已属于另一户；如需迁入本户，请使用 move=true",
                code="member-in-other-household",
                household_id=str(current),
            )
        source, source_version = await _load(uow, principal, current)
        removed, added = move_member(source, target, member_id, principal.subject, relation)
    # The removal first, so the member is never in two households, not even between two statements.
    await uow.append(stream_id(current), source_version, removed)
    await uow.append(stream_id(household_id), version, added)


async def remove_member(
    runtime: ServiceRuntime,
    principal: Principal,
    household_id: uuid.UUID,
    member_id: uuid.UUID,
    if_match: int | None = None,
) -> None:
    async with runtime.unit_of_work() as uow:
        household, version = await _load(uow, principal, household_id, if_match)
        with _refusals():
            events = household.remove_member(member_id, removed_by=principal.subject)
        await uow.append(stream_id(household_id), version, events)


async def report_income(
    runtime: ServiceRuntime,
    principal: Principal,
    household_id: uuid.UUID,
    year: int,
    total_income: Decimal,
    household_size: int,
    if_match: int | None = None,
    now: datetime | None = None,
) -> bool:
    """Whether a report was stored: one equal to the year's current report changes nothing."""
    current_year = (now or utcnow()).astimezone(CHINA).year
    async with runtime.unit_of_work() as uow:
        household, version = await _load(uow, principal, household_id, if_match)
        with _refusals():
            events = household.report_income(year, total_income, household_size, principal.subject, current_year)
        if events:
            await uow.append(stream_id(household_id), version, events)
    return bool(events)

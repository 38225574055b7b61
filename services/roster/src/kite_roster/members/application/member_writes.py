"""What every change of an existing member shares: load the stream, check where the caller may act
and which version they saw, turn the domain's refusals into problem details, and decide again on a
fresh stream when a concurrent write won the race."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from kite_common.auth import Principal
from kite_common.eventstore import ConcurrencyConflict
from kite_common.http.problems import Conflict, Forbidden, NotFound, Problem, Unprocessable
from kite_common.unit_of_work import UnitOfWork

from kite_roster.members.domain.member import (
    Member,
    MemberDeregisteredError,
    MemberNotRegistered,
    MemberRuleViolation,
    stream_id,
)

T = TypeVar("T")
_ATTEMPTS = 3


def stale_version(current_version: int) -> Problem:
    """412: the If-Match version is not the member's current one."""
    return Problem(
        f"该人员信息已被他人修改（当前版本 {current_version}），请刷新后重试",
        status=412,
        code="stale-version",
        title="版本已过期",
        current_version=current_version,
    )


@contextmanager
def refusals() -> Iterator[None]:
    """The domain's refusals as problem details."""
    try:
        yield
    except MemberNotRegistered as exc:
        raise NotFound(str(exc), code=exc.code) from exc
    except MemberDeregisteredError as exc:
        raise Conflict(str(exc), code=exc.code) from exc
    except MemberRuleViolation as exc:
        errors = [{"field": exc.field, "code": exc.code, "message": str(exc)}] if exc.field else []
        raise Unprocessable(str(exc), code=exc.code, errors=errors) from exc


async def load_member(
    uow: UnitOfWork, principal: Principal, member_id: uuid.UUID, if_match: int | None = None
) -> tuple[Member, int]:
    loaded = await uow.load(stream_id(member_id))
    member = Member.replay(member_id, loaded.events)
    if not member.registered or member.origin_division_code is None:
        raise NotFound("未找到该人员", code="member-not-found")
    if not principal.covers(member.origin_division_code):
        raise Forbidden("该人员不在您的管辖范围内", code="outside-jurisdiction")
    if if_match is not None and if_match != loaded.version:
        raise stale_version(loaded.version)
    return member, loaded.version


async def retrying(attempt: Callable[[], Awaitable[T]]) -> T:
    """Run a write; when another write to the same member committed first, decide again on the new
    stream (an If-Match then turns into 412, a refusal into its problem). Nothing is overwritten."""
    for n in range(1, _ATTEMPTS + 1):
        try:
            return await attempt()
        except ConcurrencyConflict:
            if n == _ATTEMPTS:
                raise
    raise AssertionError("unreachable")

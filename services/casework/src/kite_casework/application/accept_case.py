"""Use case: accept a case (首问责任制). The first to accept owns it; the write is guarded by the
stream version, so of two concurrent accepts exactly one is stored."""

from __future__ import annotations

import uuid
from datetime import datetime

from kite_common.auth import Principal
from kite_common.clock import utcnow
from kite_common.eventstore import ConcurrencyConflict
from kite_common.http.problems import Conflict, Forbidden, NotFound, Problem
from kite_common.runtime import ServiceRuntime

from kite_casework.domain.case import AlreadyAccepted, Case, CaseNotOpened, stream_id

_ATTEMPTS = 3


def stale_version(current_version: int) -> Problem:
    """412: the If-Match version is not the case's current one."""
    return Problem(
        f"该诉求已被他人修改（当前版本 {current_version}），请刷新后重试",
        status=412,
        code="stale-version",
        title="版本已过期",
        current_version=current_version,
    )


async def accept_case(
    runtime: ServiceRuntime,
    principal: Principal,
    case_id: uuid.UUID,
    if_match: int | None = None,
    now: datetime | None = None,
) -> None:
    """A lost race is decided again on the fresh stream: the loser hears who owns the case (409),
    or, with `if_match`, that its version is stale (412). Nothing is ever overwritten."""
    for attempt in range(1, _ATTEMPTS + 1):
        try:
            await _accept_once(runtime, principal, case_id, if_match, now or utcnow())
            return
        except ConcurrencyConflict:
            if attempt == _ATTEMPTS:
                raise


async def _accept_once(
    runtime: ServiceRuntime, principal: Principal, case_id: uuid.UUID, if_match: int | None, now: datetime
) -> None:
    sid = stream_id(case_id)
    async with runtime.unit_of_work() as uow:
        loaded = await uow.load(sid)
        case = Case.replay(case_id, loaded.events)
        if case.origin_division_code is None:
            raise NotFound("未找到该诉求", code=CaseNotOpened.code)
        if not principal.covers(case.origin_division_code):
            raise Forbidden("该诉求不在您的管辖范围内", code="outside-jurisdiction")
        if if_match is not None and if_match != loaded.version:
            raise stale_version(loaded.version)
        try:
            events = case.accept(principal.subject, now)
        except AlreadyAccepted as exc:
            raise Conflict(str(exc), code=exc.code, accepted_by=exc.owner) from exc
        await uow.append(sid, loaded.version, events)

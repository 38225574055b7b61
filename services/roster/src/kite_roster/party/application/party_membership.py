"""Use cases on a member's party stream: record party membership, confirm (预备党员转正), change
status. `party_write` is the one way every write on that stream goes."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import date

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.events import EventPayload
from kite_common.runtime import ServiceRuntime

from kite_roster.party.application.party_common import as_problem, check_if_match, member_origin, today
from kite_roster.party.domain.party import PartyMember, PartyRuleViolation, stream_id
from kite_roster.party.domain.party_events import PartyStatus

Decision = Callable[[Connection, PartyMember, str], Awaitable[list[EventPayload]]]


async def party_write(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    decide: Decision,
    if_match: int | None = None,
) -> int:
    """Load the member's party stream, let `decide(conn, party, origin)` choose the events, store
    them. The member must exist and be in the caller's jurisdiction. Returns the stream version."""
    sid = stream_id(member_id)
    async with runtime.unit_of_work() as uow:
        origin = await member_origin(uow.conn, principal, member_id)
        loaded = await uow.load(sid)
        party = PartyMember.replay(member_id, loaded.events)
        check_if_match(if_match, loaded.version)
        try:
            events = await decide(uow.conn, party, origin)
        except PartyRuleViolation as exc:
            raise as_problem(exc) from exc
        if events:
            await uow.append(sid, loaded.version, events)
        return loaded.version + len(events)


async def record_party_membership(
    runtime: ServiceRuntime, principal: Principal, member_id: uuid.UUID, joined_on: date, probationary: bool
) -> int:
    async def decide(conn: Connection, party: PartyMember, origin: str) -> list[EventPayload]:
        return party.record(origin, joined_on, probationary, today(), principal.subject)

    return await party_write(runtime, principal, member_id, decide)


async def confirm_party_member(
    runtime: ServiceRuntime, principal: Principal, member_id: uuid.UUID, confirmed_on: date, if_match: int | None
) -> int:
    async def decide(conn: Connection, party: PartyMember, origin: str) -> list[EventPayload]:
        return party.confirm(confirmed_on, today(), principal.subject)

    return await party_write(runtime, principal, member_id, decide, if_match)


async def change_party_status(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    status: PartyStatus,
    changed_on: date,
    reason: str | None,
    if_match: int | None,
) -> int:
    async def decide(conn: Connection, party: PartyMember, origin: str) -> list[EventPayload]:
        return party.change_status(status, changed_on, reason, today(), principal.subject)

    return await party_write(runtime, principal, member_id, decide, if_match)

"""Use cases of branch memberships (三重覆盖 流出地/区域/行业): join, leave, transfer."""

from __future__ import annotations

import uuid
from datetime import date

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.events import EventPayload
from kite_common.runtime import ServiceRuntime

from kite_roster.party.application.party_common import branch_for_write, today
from kite_roster.party.application.party_membership import party_write
from kite_roster.party.domain.party import PartyMember
from kite_roster.party.domain.party_events import MembershipRole


async def join_branch(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    organisation_id: uuid.UUID,
    role: MembershipRole,
    joined_on: date,
    if_match: int | None = None,
) -> int:
    async def decide(conn: Connection, party: PartyMember, origin: str) -> list[EventPayload]:
        branch = await branch_for_write(conn, principal, organisation_id)
        names = await _names(conn, [m.organisation_id for m in party.memberships.values()])
        return party.join(branch, role, joined_on, today(), principal.subject, names=names)

    return await party_write(runtime, principal, member_id, decide, if_match)


async def leave_branch(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    role: MembershipRole,
    left_on: date,
    reason: str | None,
    if_match: int | None = None,
) -> int:
    async def decide(conn: Connection, party: PartyMember, origin: str) -> list[EventPayload]:
        return party.leave(role, left_on, reason, today(), principal.subject)

    return await party_write(runtime, principal, member_id, decide, if_match)


async def transfer_branch(
    runtime: ServiceRuntime,
    principal: Principal,
    member_id: uuid.UUID,
    role: MembershipRole,
    organisation_id: uuid.UUID,
    transferred_on: date,
    if_match: int | None = None,
) -> int:
    async def decide(conn: Connection, party: PartyMember, origin: str) -> list[EventPayload]:
        branch = await branch_for_write(conn, principal, organisation_id)
        return party.transfer(role, branch, transferred_on, today(), principal.subject)

    return await party_write(runtime, principal, member_id, decide, if_match)


async def _names(conn: Connection, organisation_ids: list[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not organisation_ids:
        return {}
    rows = await conn.fetch(
        "SELECT organisation_id, name FROM organisations WHERE organisation_id = ANY($1::uuid[])", organisation_ids
    )
    return {r["organisation_id"]: r["name"] for r in rows}

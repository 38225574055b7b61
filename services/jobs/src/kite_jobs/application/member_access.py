"""A member named in a request body: on the roster (jobs' member mirror), not deregistered, and from
the caller's jurisdiction. Anyone else — unknown, gone, or from elsewhere — is refused alike."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import RuleViolation


class UnknownMember(RuleViolation):
    code = "unknown-member"

    def __init__(self) -> None:
        message = "人员不存在或不在本辖区"
        super().__init__(
            message, field="member_id", errors=[{"field": "member_id", "code": "unknown", "message": message}]
        )


async def member_origin(conn: Connection, principal: Principal, member_id: uuid.UUID) -> str:
    origin: str | None = await conn.fetchval(
        "SELECT origin_division_code FROM members WHERE member_id = $1 AND deregistered_at IS NULL", member_id
    )
    if origin is None or not principal.covers(origin):
        raise UnknownMember()
    return origin

"""The member a new case or certificate is for: one the member directory knows, inside the caller's
jurisdiction, still on the roster. A member outside the jurisdiction answers exactly as one the
directory does not know; whether they are deregistered is told only inside it."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal
from kite_common.db.types import Connection
from kite_common.domain import RuleViolation

from kite_casework.adapters.member_directory import DirectoryEntry, find_member


async def member_to_serve(
    conn: Connection, principal: Principal, member_id: uuid.UUID, refused: str, work_division_code: str | None = None
) -> DirectoryEntry:
    """`refused` says what a deregistered member can no longer have, e.g. "不能再为其出具证明". With
    `work_division_code` (where the member works), staff of that place may serve them too."""
    member = await find_member(conn, member_id)
    works_here = work_division_code is not None and principal.covers(work_division_code)
    if member is None or not (principal.covers(member.origin_division_code) or works_here):
        raise RuleViolation(
            "未找到该人员：该人员尚未登记，或登记信息尚未同步到诉求系统，请核对后稍后重试",
            code="member-unknown",
            errors=[{"field": "member_id", "code": "unknown", "message": "未找到该人员"}],
        )
    if member.deregistered:
        why = f"（{member.deregistered_label}）" if member.deregistered_label else ""
        raise RuleViolation(
            f"该人员已从名册注销{why}，{refused}",
            code="member-deregistered",
            errors=[{"field": "member_id", "code": "deregistered", "message": "该人员已注销"}],
        )
    return member

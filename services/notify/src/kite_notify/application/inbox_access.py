"""Who may read or mark a member's inbox: the member, or staff whose jurisdiction covers the member."""

from __future__ import annotations

import uuid

from kite_common.auth import Principal, Role
from kite_common.domain import Forbidden, NotFound

from kite_notify.adapters import inbox_store
from kite_notify.adapters.db import Conn
from kite_notify.adapters.member_directory import find_member

READERS = (Role.NOTIFIER, Role.VIEWER, Role.CASEWORKER)  # and admin, who may do everything
MARKERS = (Role.NOTIFIER,)


def is_own_inbox(principal: Principal, member_id: uuid.UUID) -> bool:
    return Role.MEMBER in principal.roles and principal.subject == str(member_id)


async def origin_of(conn: Conn, member_id: uuid.UUID) -> str | None:
    known = await find_member(conn, member_id)
    if known is not None:
        return known.origin_division_code
    return await inbox_store.origin_in_inbox(conn, member_id)


async def check_access(conn: Conn, principal: Principal, member_id: uuid.UUID, *, write: bool = False) -> None:
    if is_own_inbox(principal, member_id):
        return
    if not principal.has_any(*(MARKERS if write else READERS)):
        raise Forbidden("只能查看本人的消息", code="not-your-inbox")
    origin = await origin_of(conn, member_id)
    if origin is None or not principal.covers(origin):  # outside: as an unknown member's inbox
        raise NotFound("未找到该人员的消息", code="member-not-found")

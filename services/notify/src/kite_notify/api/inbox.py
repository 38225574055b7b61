"""/members/{member_id}/inbox: a member's in-app notifications."""

from __future__ import annotations

import uuid
from typing import Annotated

import asyncpg
from fastapi import APIRouter, Depends, Query
from kite_common.auth import Principal, current_principal
from kite_common.http.app import RuntimeDep as Runtime

from kite_notify.adapters.inbox_store import list_inbox
from kite_notify.api.inbox_cursor import decode_cursor, encode_cursor
from kite_notify.api.schemas import InboxItem, InboxPage
from kite_notify.application.inbox_access import check_access
from kite_notify.application.mark_read import mark_read

router = APIRouter(prefix="/members/{member_id}/inbox", tags=["inbox"])

Caller = Annotated[Principal, Depends(current_principal)]


def _item(row: asyncpg.Record) -> InboxItem:
    return InboxItem(
        notification_id=row["notification_id"],
        member_id=row["member_id"],
        kind=row["kind"],
        title=row["title"],
        body=row["body"],
        created_at=row["created_at"],
        read=row["read_at"] is not None,
        read_at=row["read_at"],
    )


@router.get("", response_model=InboxPage, summary="查看消息（最新在前）")
async def get_inbox(
    member_id: uuid.UUID,
    principal: Caller,
    runtime: Runtime,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> InboxPage:
    async with runtime.pool.acquire() as conn:
        await check_access(conn, principal, member_id)  # before the cursor: 403/404 come first
        page = await list_inbox(conn, member_id, limit, decode_cursor(cursor) if cursor else None)
    last = page.items[-1] if page.more else None
    next_cursor = encode_cursor(last["created_at"], last["notification_id"]) if last else None
    return InboxPage(items=[_item(r) for r in page.items], next_cursor=next_cursor, unread=page.unread)


@router.post("/{notification_id}/read", response_model=InboxItem, summary="标记为已读")
async def read(member_id: uuid.UUID, notification_id: uuid.UUID, principal: Caller, runtime: Runtime) -> InboxItem:
    return _item(await mark_read(runtime.unit_of_work(), principal, member_id, notification_id))

"""`GET /events`: a service's events over HTTP, for systems that cannot reach Kafka.

The feed is the event store read in its gap-safe global order (a transaction that commits late is
still served, never skipped), as CloudEvents JSON — the same attributes and data as the Kafka
message's `ce_*` headers and value. A reader keeps the page's `next` and asks again with
`after=<next>`; with `wait` the request is held until an event arrives (or `wait` seconds pass), so
following the feed costs one open request. Only events of the caller's jurisdiction are served (an
event whose record has no place is served to whole-country callers only), and a client system needs
the `<service>:events` scope.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Annotated, Any

import asyncpg
from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from kite_common.auth.dependencies import require_roles
from kite_common.auth.principal import Principal, Role
from kite_common.auth.rate_limit import limit_client
from kite_common.domain import BadRequest, Forbidden, NotFound, RuleViolation
from kite_common.eventstore import GlobalPosition, PostgresEventStore
from kite_common.eventstore.postgres import START
from kite_common.runtime import ServiceRuntime

_SCAN = 2000  # rows of the log looked at per round; a sparse filter still moves `next` forward
_POLL_S = 0.5  # how often a held request looks for new events
MAX_WAIT_S = 30

# Any staff role may follow the events of its own area; a member's own token may not.
Reader = Annotated[Principal, Depends(require_roles(*(r for r in Role if r not in (Role.MEMBER, Role.PII_READER))))]


class CloudEvent(BaseModel):
    """One event in the CloudEvents JSON format (structured mode)."""

    specversion: str = Field(examples=["1.0"])
    id: str = Field(examples=["0190b3c4-0000-7000-8000-000000000001"])
    source: str = Field(examples=["/kite/casework"])
    type: str = Field(examples=["kite.casework.case-opened.v1"])
    subject: str = Field(
        description="the stream id (the Kafka key)", examples=["case-0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"]
    )
    time: str = Field(examples=["2026-05-01T09:30:00+08:00"])
    datacontenttype: str = Field(examples=["application/json"])
    streamversion: str = Field(description="the event's place in its stream", examples=["1"])
    jurisdiction: str | None = Field(
        default=None, description="division code of the record's place", examples=["522631000000"]
    )
    actor: str | None = Field(
        default=None, description="who caused it: a user or a client system", examples=["client:hotline-12345"]
    )
    traceparent: str | None = None
    data: dict[str, Any] = Field(description="the payload, as published in contracts/events/<type>.json")


class EventPage(BaseModel):
    events: list[CloudEvent]
    next: str = Field(description="the position to ask `after` next; keep it to resume", examples=["9481:120"])
    caught_up: bool = Field(description="true when the page reached the end of the log as it was read")


@dataclass(frozen=True)
class _Page:
    events: list[dict[str, Any]]
    next: GlobalPosition
    caught_up: bool


def event_feed_router(service: str) -> APIRouter:
    router = APIRouter(tags=["events"])

    @router.get(
        "/events",
        response_model=EventPage,
        response_model_exclude_none=True,
        summary="按全局顺序读取事件（可长轮询，可从任意位置续读）",
        responses={400: {"description": "after 格式不正确"}, 404: {"description": "after 指向的位置不存在"}},
    )
    async def events(
        request: Request,
        principal: Reader,
        after: Annotated[
            str | None,
            Query(description="上一页的 next；省略则从头读起", examples=["9481:120"], max_length=40),
        ] = None,
        types: Annotated[
            list[str] | None,
            Query(description="只要这些事件类型（可重复，或以逗号分隔）", examples=["kite.casework.case-closed.v1"]),
        ] = None,
        limit: Annotated[int, Query(ge=1, le=500, description="每页最多几条")] = 100,
        wait: Annotated[float, Query(ge=0, le=MAX_WAIT_S, description="没有新事件时最多等待几秒")] = 0,
    ) -> dict[str, Any]:
        limit_client(request, principal)
        if not principal.may(service, "events"):
            raise Forbidden(f"该客户端无权读取 {service} 的事件", code="missing-scope")
        runtime: ServiceRuntime = request.app.state.runtime
        wanted = _types(runtime, types)
        position = await _start(runtime, after)
        deadline = asyncio.get_running_loop().time() + wait
        while True:
            page = await _read(runtime, position, wanted, principal.jurisdiction, limit)
            if page.events or asyncio.get_running_loop().time() >= deadline:
                break
            position = page.next
            if page.caught_up:  # nothing more yet: look again shortly, holding no connection
                await asyncio.sleep(min(_POLL_S, max(0.0, deadline - asyncio.get_running_loop().time())))
        return {"events": page.events, "next": str(page.next), "caught_up": page.caught_up}

    return router


def _types(runtime: ServiceRuntime, given: list[str] | None) -> frozenset[str] | None:
    if not given:
        return None
    names = frozenset(t.strip() for item in given for t in item.split(",") if t.strip())
    unknown = sorted(t for t in names if not runtime.service.registry.knows(t))
    if unknown:
        raise RuleViolation(f"未知的事件类型：{', '.join(unknown)}", code="unknown-event-type", field="types")
    return names or None


async def _start(runtime: ServiceRuntime, after: str | None) -> GlobalPosition:
    if after is None or after == str(START):
        return START
    try:
        position = GlobalPosition.parse(after)
    except ValueError as exc:
        raise BadRequest("after 应为上一页返回的 next（形如 9481:120）", code="invalid-position") from exc
    found = await runtime.pool.fetchval(
        "SELECT 1 FROM events WHERE position = $1 AND tx_id = $2::text::xid8", position.position, str(position.tx_id)
    )
    if found is None:
        raise NotFound("after 指向的位置不存在，请使用上一页返回的 next", code="unknown-position")
    return position


async def _read(
    runtime: ServiceRuntime, after: GlobalPosition, types: frozenset[str] | None, jurisdiction: str, limit: int
) -> _Page:
    """One round: look at the next rows of the log (one snapshot), keep those the caller may see."""
    store = PostgresEventStore(runtime.service.registry.source)
    async with runtime.pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        scanned = await conn.fetch(
            """SELECT position, tx_id::text::bigint AS tx_id, type, jurisdiction FROM events
               WHERE (tx_id, position) > ($1::text::xid8, $2)
                 AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
               ORDER BY tx_id, position
               LIMIT $3""",
            str(after.tx_id),
            after.position,
            _SCAN,
        )
        hits = [
            row
            for row in scanned
            if (types is None or row["type"] in types) and _visible(row["jurisdiction"], jurisdiction)
        ][:limit]
        last: asyncpg.Record | None
        if len(hits) == limit:
            last = hits[-1]
            caught_up = False
        else:
            last = scanned[-1] if scanned else None
            caught_up = len(scanned) < _SCAN
        events = await store.read_positions(conn, [row["position"] for row in hits]) if hits else []
    next_position = GlobalPosition(last["tx_id"], last["position"]) if last is not None else after
    return _Page([e.envelope.structured() for e in events], next_position, caught_up)


def _visible(event_jurisdiction: str | None, caller: str) -> bool:
    if caller == "":
        return True
    return event_jurisdiction is not None and event_jurisdiction.startswith(caller)

"""Load a notification, decide, append: retried when a concurrent writer got there first."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable

from kite_common.events import EventPayload
from kite_common.eventstore import ConcurrencyConflict
from kite_common.unit_of_work import UnitOfWork

from kite_notify.adapters.db import Conn
from kite_notify.domain.notification import Notification, stream_id

Decide = Callable[[Notification], list[EventPayload]]
AlsoDo = Callable[[Conn], Awaitable[None]]
ATTEMPTS = 5


async def change_notification(
    open_uow: Callable[[], UnitOfWork], notification_id: uuid.UUID, decide: Decide, also: AlsoDo | None = None
) -> list[EventPayload]:
    """`also` runs in the same transaction (e.g. removing the finished delivery from the queue).
    A delivery outcome and a read mark commute, so a conflict just means decide again."""
    stream = stream_id(notification_id)
    for attempt in range(1, ATTEMPTS + 1):
        try:
            async with open_uow() as uow:
                loaded = await uow.load(stream)
                events = decide(Notification.replay(notification_id, loaded.events))
                if events:
                    await uow.append(stream, loaded.version, events)
                if also is not None:
                    await also(uow.conn)
            return events
        except ConcurrencyConflict:
            if attempt == ATTEMPTS:
                raise
    return []

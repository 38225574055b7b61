"""The aggregate base: a plain class whose state is the replay of its stream.

A subclass names its streams (`stream_prefix`), says what it is called (`label`, for messages),
exposes its `id`, folds events in `apply`, and records new ones with `_record`, which applies them
at once (so a second decision sees the first) and keeps them pending until the unit of work saves
them. `version` is the stream version the aggregate was loaded at; saving appends the pending events
expecting exactly that version, so a concurrent write is a conflict, never a lost update.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, ClassVar, Self, TypeVar

from kite_common.domain.errors import StaleVersion
from kite_common.events import EventPayload, NewEvent

E = TypeVar("E", EventPayload, NewEvent)


class Aggregate:
    stream_prefix: ClassVar[str]  # "case" → streams "case-<id>"
    label: ClassVar[str] = "该记录"  # how a message names it: "该诉求", "该人员信息"
    # The attribute holding the division code of the place the record belongs to, if it has one:
    # its events carry it (`jurisdiction`), so readers of the event feed see only their own area's.
    jurisdiction_attribute: ClassVar[str | None] = None

    # Class-level defaults, shadowed per instance: subclasses are usually dataclasses whose own
    # fields these must not join.
    version: int = 0
    _pending: list[NewEvent] | None = None

    @property
    def id(self) -> uuid.UUID:
        raise NotImplementedError

    @classmethod
    def stream_id_for(cls, aggregate_id: uuid.UUID | str) -> str:
        return f"{cls.stream_prefix}-{aggregate_id}"

    @property
    def stream_id(self) -> str:
        return self.stream_id_for(self.id)

    @property
    def jurisdiction(self) -> str | None:
        if self.jurisdiction_attribute is None:
            return None
        value = getattr(self, self.jurisdiction_attribute, None)
        return str(value) if value else None

    @classmethod
    def create(cls, aggregate_id: uuid.UUID, *args: Any, **kwargs: Any) -> Self:
        """A new, empty aggregate (version 0). Subclasses with more required fields override it."""
        return cls(aggregate_id, *args, **kwargs)  # type: ignore[call-arg]

    @classmethod
    def replay(cls, aggregate_id: uuid.UUID, events: Iterable[EventPayload], version: int | None = None) -> Self:
        """The aggregate as its stored events leave it; `version` defaults to their count."""
        aggregate = cls.create(aggregate_id)
        count = 0
        for event in events:
            aggregate.apply(event)
            count += 1
        aggregate.version = count if version is None else version
        return aggregate

    def apply(self, event: EventPayload) -> None:
        """Fold one event into the state. Must be deterministic and must not decide anything."""
        raise NotImplementedError

    def _record(self, *events: E) -> list[E]:
        """Apply new events and keep them for the unit of work; returns them as given (payloads, or
        NewEvents where a decision sets the event's time), so a decision can return what it recorded."""
        if self._pending is None:
            self._pending = []
        for event in events:
            new = event if isinstance(event, NewEvent) else NewEvent(event)
            self.apply(new.payload)
            self._pending.append(new)
        return list(events)

    @property
    def pending(self) -> Sequence[NewEvent]:
        return tuple(self._pending or ())

    def mark_saved(self) -> None:
        """Called by the unit of work once the pending events are appended."""
        self.version += len(self._pending or ())
        self._pending = None

    def expect_version(self, expected: int | None) -> None:
        """An If-Match precondition: None is none; another version than the loaded one is stale."""
        if expected is not None and expected != self.version:
            raise StaleVersion(self.version, self.label)

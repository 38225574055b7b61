"""Base class of every event payload: immutable, strict, with a published JSON Schema."""

from __future__ import annotations

from typing import ClassVar

from pydantic import BaseModel, ConfigDict


class EventPayload(BaseModel):
    """An event's data. Subclasses set `event_name` ("member-registered") and `event_version`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    event_name: ClassVar[str]
    event_version: ClassVar[int] = 1

"""The CloudEvents envelope every stored and published event travels in."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from kite_common.clock import utcnow
from kite_common.events.payload import EventPayload
from kite_common.ids import new_id

SPEC_VERSION = "1.0"
CONTENT_TYPE = "application/json"


@dataclass(frozen=True)
class NewEvent:
    """An event decided by a domain object, not yet stored."""

    payload: EventPayload
    id: uuid.UUID = field(default_factory=new_id)
    time: datetime = field(default_factory=utcnow)


@dataclass(frozen=True)
class EventEnvelope:
    """A stored event with its CloudEvents attributes.

    `subject` is the stream id; `stream_version` is the event's place in its stream (1-based).
    `jurisdiction` (extension attribute) is the division code of the place the record belongs to,
    when it has one — readers outside Kite filter on it; `actor` is who caused the event (a user's
    or a client system's token subject), absent for what the system does by itself.
    """

    id: uuid.UUID
    source: str
    type: str
    subject: str
    time: datetime
    data: dict[str, Any]
    stream_version: int
    traceparent: str | None = None
    jurisdiction: str | None = None
    actor: str | None = None
    datacontenttype: str = CONTENT_TYPE
    specversion: str = SPEC_VERSION

    def attributes(self) -> dict[str, str]:
        """CloudEvents context attributes, as strings."""
        attrs = {
            "specversion": self.specversion,
            "id": str(self.id),
            "source": self.source,
            "type": self.type,
            "subject": self.subject,
            "time": self.time.isoformat(),
            "datacontenttype": self.datacontenttype,
            "streamversion": str(self.stream_version),
        }
        if self.traceparent:
            attrs["traceparent"] = self.traceparent
        if self.jurisdiction is not None:
            attrs["jurisdiction"] = self.jurisdiction
        if self.actor:
            attrs["actor"] = self.actor
        return attrs

    def structured(self) -> dict[str, Any]:
        """The CloudEvents JSON format (structured mode): the attributes and the data in one object —
        what the HTTP event feed serves, equal to the Kafka message's `ce_*` headers and value."""
        return {**self.attributes(), "data": self.data}

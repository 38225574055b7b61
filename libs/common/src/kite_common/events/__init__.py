from kite_common.events.envelope import EventEnvelope, NewEvent
from kite_common.events.payload import EventPayload
from kite_common.events.registry import EventRegistry, UnknownEventType

__all__ = ["EventEnvelope", "EventPayload", "EventRegistry", "NewEvent", "UnknownEventType"]

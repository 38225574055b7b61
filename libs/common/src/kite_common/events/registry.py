"""Maps CloudEvents types to payload models, upcasts old versions and exports JSON Schemas."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from kite_common.events.payload import EventPayload

P = TypeVar("P", bound=type[EventPayload])
Upcaster = Callable[[dict[str, Any]], dict[str, Any]]


class UnknownEventType(LookupError):
    def __init__(self, event_type: str) -> None:
        super().__init__(f"unknown event type {event_type!r}")
        self.event_type = event_type


class EventRegistry:
    """One per service. `type` strings look like `kite.roster.member-registered.v1`."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.source = f"/kite/{service}"
        self._models: dict[str, type[EventPayload]] = {}
        self._upcasters: dict[str, tuple[str, Upcaster]] = {}

    def type_name(self, model: type[EventPayload]) -> str:
        return f"kite.{self.service}.{model.event_name}.v{model.event_version}"

    def register(self, model: P) -> P:
        name = self.type_name(model)
        if name in self._models:
            raise ValueError(f"event type {name} registered twice")
        self._models[name] = model
        return model

    def register_upcaster(self, old_type: str, new_type: str, upcast: Upcaster) -> None:
        """Old stored events of `old_type` are read as `new_type` after `upcast(data)`."""
        self._upcasters[old_type] = (new_type, upcast)

    def type_of(self, payload: EventPayload) -> str:
        return self.type_name(type(payload))

    def knows(self, event_type: str) -> bool:
        return event_type in self._models or event_type in self._upcasters

    def parse(self, event_type: str, data: dict[str, Any]) -> EventPayload:
        while event_type in self._upcasters:
            event_type, upcast = self._upcasters[event_type]
            data = upcast(data)
        model = self._models.get(event_type)
        if model is None:
            raise UnknownEventType(event_type)
        return model.model_validate(data)

    def types(self) -> list[str]:
        return sorted(self._models)

    def json_schemas(self) -> dict[str, dict[str, Any]]:
        out: dict[str, dict[str, Any]] = {}
        for name, model in sorted(self._models.items()):
            schema = model.model_json_schema()
            schema["$id"] = f"urn:{name}"
            schema["title"] = name
            out[name] = schema
        return out

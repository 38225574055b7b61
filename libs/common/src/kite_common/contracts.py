"""The published event contract: JSON Schemas per type, an AsyncAPI document, and a check that a
changed payload model still accepts everything its published schema promised."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kite_common.service import ServiceDefinition


def asyncapi_document(services: Iterable[ServiceDefinition], prefix: str = "") -> dict[str, Any]:
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}
    schemas: dict[str, Any] = {}
    for service in services:
        if not service.registry.json_schemas():
            continue  # a service that publishes no events (the console) has no channel
        topic = f"{prefix}{service.name}.events"
        channel_messages = {}
        for type_name, schema in service.registry.json_schemas().items():
            key = type_name.replace(".", "_")
            schemas[key] = schema
            messages[key] = {
                "name": type_name,
                "title": type_name,
                "contentType": "application/json",
                "bindings": {"kafka": {"key": {"type": "string", "description": "stream id"}}},
                "headers": {
                    "type": "object",
                    "properties": {
                        "ce_specversion": {"const": "1.0"},
                        "ce_id": {"type": "string", "format": "uuid"},
                        "ce_source": {"const": service.registry.source},
                        "ce_type": {"const": type_name},
                        "ce_subject": {"type": "string"},
                        "ce_time": {"type": "string", "format": "date-time"},
                        "traceparent": {"type": "string"},
                    },
                    "required": ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time"],
                },
                "payload": {"$ref": f"#/components/schemas/{key}"},
            }
            channel_messages[key] = {"$ref": f"#/components/messages/{key}"}
        channels[service.name] = {
            "address": topic,
            "messages": channel_messages,
            "description": f"{service.title}: events, CloudEvents Kafka binary mode",
        }
        operations[f"{service.name}.publish"] = {"action": "send", "channel": {"$ref": f"#/channels/{service.name}"}}
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Kite 风筝 event stream",
            "version": "1.0.0",
            "description": "State changes of every Kite service, as CloudEvents on Kafka.",
        },
        "defaultContentType": "application/json",
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }


def compatibility_problems(published: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Ways in which `current` breaks consumers written against `published`: a property removed or
    retyped, or a new required property. Adding optional properties is fine."""
    problems: list[str] = []
    old_props = published.get("properties", {})
    new_props = current.get("properties", {})
    for name, old in old_props.items():
        if name not in new_props:
            problems.append(f"property {name!r} removed")
        elif _shape(old, published) != _shape(new_props[name], current):
            problems.append(f"property {name!r} changed type")
    for name in set(current.get("required", [])) - set(published.get("required", [])):
        problems.append(f"property {name!r} became required")
    return problems


def _shape(prop: dict[str, Any], root: dict[str, Any]) -> Any:
    if "$ref" in prop:
        ref = prop["$ref"].split("/")[-1]
        return _shape(root.get("$defs", {}).get(ref, {}), root)
    keys = ("type", "format", "enum", "const", "items", "anyOf", "allOf", "oneOf")
    return {
        k: (
            _shape(v, root)
            if isinstance(v, dict)
            else [_shape(i, root) if isinstance(i, dict) else i for i in v]
            if isinstance(v, list)
            else v
        )
        for k, v in prop.items()
        if k in keys
    }

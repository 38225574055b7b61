"""The published contracts: JSON Schemas per event type, the AsyncAPI document of every topic, the
OpenAPI document of every service, and a check that a changed payload model still accepts
everything its published schema promised."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from kite_common.schema_examples import example_of, resolve
from kite_common.service import ServiceDefinition

_KAFKA_BINDING_VERSION = "0.5.0"
EXAMPLE_SUBJECT = "case-0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b"


def inline_refs(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` without `$defs`: every local `$ref` replaced by what it names, so the schema stands
    alone wherever it is embedded (an AsyncAPI document's components, a code generator's input)."""

    def walk(node: Any, seen: tuple[str, ...]) -> Any:
        if isinstance(node, dict):
            if "$ref" in node and isinstance(node["$ref"], str) and node["$ref"].startswith("#/"):
                ref = node["$ref"]
                if ref in seen:  # a recursive type: leave it open rather than loop
                    return {"type": "object"}
                target = walk(resolve(ref, schema), (*seen, ref))
                rest = {k: walk(v, seen) for k, v in node.items() if k != "$ref"}
                return {**target, **rest}
            return {k: walk(v, seen) for k, v in node.items() if k != "$defs"}
        if isinstance(node, list):
            return [walk(v, seen) for v in node]
        return node

    out: dict[str, Any] = walk(schema, ())
    return out


def event_headers(source: str, type_name: str) -> dict[str, Any]:
    """The Kafka headers of a message (CloudEvents Kafka binding, binary mode)."""
    return {
        "type": "object",
        "properties": {
            "content-type": {"const": "application/json"},
            "ce_specversion": {"const": "1.0"},
            "ce_id": {"type": "string", "format": "uuid", "description": "event id; consumers dedupe on source + id"},
            "ce_source": {"const": source},
            "ce_type": {"const": type_name},
            "ce_subject": {"type": "string", "description": "the stream id (also the message key)"},
            "ce_time": {"type": "string", "format": "date-time"},
            "ce_streamversion": {"type": "string", "pattern": "^[1-9][0-9]*$", "description": "place in the stream"},
            "ce_jurisdiction": {
                "type": "string",
                "pattern": "^[0-9]{0,12}$",
                "description": "division code of the place the record belongs to, when it has one",
            },
            "ce_actor": {"type": "string", "description": "who caused the event: a user or a client system"},
            "traceparent": {"type": "string", "description": "W3C trace context"},
            "ce_traceparent": {"type": "string", "description": "CloudEvents distributed-tracing extension"},
        },
        "required": ["content-type", "ce_specversion", "ce_id", "ce_source", "ce_type", "ce_subject", "ce_time"],
    }


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
            payload = inline_refs(schema)
            schemas[key] = payload
            example = example_of(payload)
            headers = event_headers(service.registry.source, type_name)
            messages[key] = {
                "name": type_name,
                "title": type_name,
                "summary": schema.get("description", type_name).strip().splitlines()[0],
                "contentType": "application/json",
                "headers": headers,
                "payload": {"$ref": f"#/components/schemas/{key}"},
                "bindings": {
                    "kafka": {
                        "key": {
                            "type": "string",
                            "description": "the stream id, e.g. case-<uuid>: one stream, one partition",
                        },
                        "bindingVersion": _KAFKA_BINDING_VERSION,
                    }
                },
                "examples": [
                    {
                        "name": "example",
                        "summary": f"a {type_name} event",
                        "headers": {
                            "content-type": "application/json",
                            "ce_specversion": "1.0",
                            "ce_id": "0190b3c4-0000-7000-8000-000000000001",
                            "ce_source": service.registry.source,
                            "ce_type": type_name,
                            "ce_subject": EXAMPLE_SUBJECT,
                            "ce_time": "2026-05-01T09:30:00+08:00",
                            "ce_streamversion": "1",
                        },
                        "payload": example,
                    }
                ],
            }
            channel_messages[key] = {"$ref": f"#/components/messages/{key}"}
        channels[service.name] = {
            "address": topic,
            "title": f"{service.name}.events",
            "messages": channel_messages,
            "description": (
                f"{service.title}: every state change, as CloudEvents in Kafka binary mode — the attributes "
                "in `ce_*` headers, the data as the JSON value, the stream id as the key (one stream's "
                "events keep their order). The same events are served over HTTP at `GET /events`."
            ),
            "bindings": {"kafka": {"topic": topic, "bindingVersion": _KAFKA_BINDING_VERSION}},
        }
        operations[f"{service.name}.publish"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{service.name}"},
            "messages": [{"$ref": f"#/channels/{service.name}/messages/{m}"} for m in channel_messages],
        }
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


def openapi_document(service: ServiceDefinition) -> dict[str, Any]:
    """The service's OpenAPI document as its API serves it at /openapi.json."""
    from pydantic import SecretStr

    from kite_common.http.app import create_app
    from kite_common.settings import AuthSettings

    app = create_app(service, auth=AuthSettings(jwt_secret=SecretStr("unused-for-the-document")))
    return app.openapi()


# -- compatibility -------------------------------------------------------------------------------


def compatibility_problems(published: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """Ways in which `current` breaks consumers written against `published`, or cannot read events
    written under it, at any depth (nested objects, array items): a property removed or retyped, an
    enum value dropped, null no longer accepted, or a property that became required. Adding
    optional properties is fine."""
    problems: list[str] = []
    _compare(published, published, current, current, "", problems)
    return problems


def _compare(
    old: dict[str, Any],
    old_root: dict[str, Any],
    new: dict[str, Any],
    new_root: dict[str, Any],
    path: str,
    problems: list[str],
) -> None:
    old, new = _deref(old, old_root), _deref(new, new_root)
    old_branches, old_null = _branches(old, old_root)
    new_branches, new_null = _branches(new, new_root)
    if old_null and not new_null and path:
        problems.append(f"property {path!r} no longer accepts null")
    if len(old_branches) != 1 or len(new_branches) != 1:
        if [_shape(b, old_root) for b in old_branches] != [_shape(b, new_root) for b in new_branches]:
            problems.append(f"property {path!r} changed type")
        return
    o, n = old_branches[0], new_branches[0]
    for key in ("type", "format", "const"):
        if o.get(key) != n.get(key):
            problems.append(f"property {path!r} changed type")
            return
    if "enum" in o:
        dropped = [v for v in o["enum"] if v not in n.get("enum", o["enum"])]
        if dropped:
            problems.append(f"property {path!r} enum narrowed: {', '.join(map(str, dropped))} removed")
    old_props, new_props = o.get("properties", {}), n.get("properties", {})
    for name, prop in old_props.items():
        inner = f"{path}.{name}" if path else name
        if name not in new_props:
            problems.append(f"property {inner!r} removed")
        else:
            _compare(prop, old_root, new_props[name], new_root, inner, problems)
    for name in sorted(set(n.get("required", [])) - set(o.get("required", []))):
        inner = f"{path}.{name}" if path else name
        problems.append(f"property {inner!r} became required")
    if isinstance(o.get("items"), dict) and isinstance(n.get("items"), dict):
        _compare(o["items"], old_root, n["items"], new_root, f"{path}[]", problems)


def _deref(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    seen = 0
    while "$ref" in schema and seen < 20:
        schema = {**resolve(schema["$ref"], root), **{k: v for k, v in schema.items() if k != "$ref"}}
        seen += 1
    return schema


def _branches(schema: dict[str, Any], root: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
    """The non-null alternatives of a schema, and whether it accepts null."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            alternatives = [_deref(b, root) for b in schema[key]]
            return [b for b in alternatives if b.get("type") != "null"], any(
                b.get("type") == "null" for b in alternatives
            )
    kind = schema.get("type")
    if isinstance(kind, list):
        rest = [k for k in kind if k != "null"]
        return [{**schema, "type": rest[0] if len(rest) == 1 else rest}], "null" in kind
    return [schema], kind == "null"


def _shape(prop: dict[str, Any], root: dict[str, Any]) -> Any:
    prop = _deref(prop, root)
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

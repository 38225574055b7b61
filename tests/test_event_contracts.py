"""Events are a public contract: every type has a committed schema, the AsyncAPI document is current,
and no change breaks a published schema (that needs a new .vN type and an upcaster)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kite_common.contracts import asyncapi_document, compatibility_problems
from kite_common.discovery import installed_services

CONTRACTS = Path(__file__).resolve().parents[1] / "contracts"
PUBLISHED = {p.stem: json.loads(p.read_text("utf-8")) for p in sorted((CONTRACTS / "events").glob("*.json"))}
CURRENT = {name: schema for s in installed_services().values() for name, schema in s.registry.json_schemas().items()}


def test_every_event_type_has_a_published_schema():
    assert sorted(CURRENT) == sorted(PUBLISHED), "run `make schemas` and commit contracts/ for new event types"


@pytest.mark.parametrize("event_type", sorted(PUBLISHED))
def test_published_schema_is_not_broken(event_type):
    assert event_type in CURRENT, f"{event_type} was published and must stay readable (add an upcaster)"
    assert compatibility_problems(PUBLISHED[event_type], CURRENT[event_type]) == []


def test_asyncapi_document_is_current():
    committed = json.loads((CONTRACTS / "asyncapi.json").read_text("utf-8"))
    assert committed == json.loads(json.dumps(asyncapi_document(installed_services().values()))), "run `make schemas`"


def test_compatibility_check_catches_breaks():
    old = {"properties": {"a": {"type": "string"}, "b": {"type": "integer"}}, "required": ["a"]}
    assert compatibility_problems(old, old) == []
    added_optional = {"properties": {**old["properties"], "c": {"type": "string"}}, "required": ["a"]}
    assert compatibility_problems(old, added_optional) == []
    assert compatibility_problems(old, {"properties": {"a": {"type": "string"}}, "required": ["a"]}) == [
        "property 'b' removed"
    ]
    assert compatibility_problems(
        old, {"properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a"]}
    ) == ["property 'a' changed type"]
    assert compatibility_problems(old, {**old, "required": ["a", "b"]}) == ["property 'b' became required"]


def test_no_event_schema_has_a_personal_number_field():
    for name, schema in CURRENT.items():
        fields = set(schema.get("properties", {}))
        assert not fields & {"id_number", "phone", "id_card", "mobile"}, name


def test_compatibility_check_looks_inside_nested_objects_and_arrays():
    old = {
        "$defs": {
            "Kind": {"enum": ["a", "b"], "type": "string"},
            "Contact": {
                "properties": {"name": {"type": "string"}, "kind": {"$ref": "#/$defs/Kind"}},
                "required": ["name"],
                "type": "object",
            },
        },
        "properties": {
            "contacts": {"items": {"$ref": "#/$defs/Contact"}, "type": "array"},
            "owner": {"anyOf": [{"$ref": "#/$defs/Contact"}, {"type": "null"}]},
        },
        "required": ["contacts"],
    }
    assert compatibility_problems(old, old) == []
    widened = json.loads(json.dumps(old))
    widened["$defs"]["Kind"]["enum"].append("c")
    widened["$defs"]["Contact"]["properties"]["note"] = {"type": "string"}
    assert compatibility_problems(old, widened) == []

    removed = json.loads(json.dumps(old))
    del removed["$defs"]["Contact"]["properties"]["name"]
    assert compatibility_problems(old, removed) == [
        "property 'contacts[].name' removed",
        "property 'owner.name' removed",
    ]
    retyped = json.loads(json.dumps(old))
    retyped["$defs"]["Contact"]["properties"]["name"] = {"type": "integer"}
    assert "property 'contacts[].name' changed type" in compatibility_problems(old, retyped)
    narrowed = json.loads(json.dumps(old))
    narrowed["$defs"]["Kind"]["enum"] = ["a"]
    assert "property 'contacts[].kind' enum narrowed: b removed" in compatibility_problems(old, narrowed)
    required = json.loads(json.dumps(old))
    required["$defs"]["Contact"]["required"] = ["name", "kind"]
    assert "property 'contacts[].kind' became required" in compatibility_problems(old, required)
    not_null = json.loads(json.dumps(old))
    not_null["properties"]["owner"] = {"$ref": "#/$defs/Contact"}
    assert compatibility_problems(old, not_null) == ["property 'owner' no longer accepts null"]
    array_to_object = json.loads(json.dumps(old))
    array_to_object["properties"]["contacts"] = {"$ref": "#/$defs/Contact"}
    assert compatibility_problems(old, array_to_object) == ["property 'contacts' changed type"]

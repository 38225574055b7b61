"""Example values made from a JSON Schema, for the published contracts (AsyncAPI messages, OpenAPI
requests and responses). A schema's own `examples`/`example`/`default` win; otherwise the example
follows the type, format, enum, bounds and pattern, so it validates against the schema it came from.
"""

from __future__ import annotations

import re
from typing import Any

_FORMATS = {
    "uuid": "0190b3c4-5d6e-7f80-9a1b-2c3d4e5f6a7b",
    "date-time": "2026-05-01T09:30:00+08:00",
    "date": "2026-05-01",
    "time": "09:30:00",
    "email": "office@example.gov.cn",
    "uri": "https://example.gov.cn/kite",
    "binary": "",
}
# Tried in order against a `pattern` the example must match.
_PATTERN_CANDIDATES = ("示例", "522631", "522631000000", "2026-05", "2026-05-01", "1200.00", "a1", "A1", "1")


def example_of(schema: dict[str, Any], root: dict[str, Any] | None = None, _depth: int = 0) -> Any:
    """An example instance of `schema`; `$ref`s are resolved in `root` (`#/$defs/…` or
    `#/components/schemas/…`)."""
    root = root if root is not None else schema
    if _depth > 12:
        return None
    if "$ref" in schema:
        return example_of(resolve(schema["$ref"], root), root, _depth + 1)
    for key in ("examples",):
        if isinstance(schema.get(key), list) and schema[key]:
            return schema[key][0]
    if "example" in schema:
        return schema["example"]
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf"):
        if key in schema:
            branches = [b for b in schema[key] if b.get("type") != "null"] or schema[key]
            return example_of(branches[0], root, _depth + 1)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for branch in schema["allOf"]:
            value = example_of(branch, root, _depth + 1)
            if isinstance(value, dict):
                merged.update(value)
            else:
                return value
        return merged
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        return {
            name: _named_example(name, prop, root, _depth + 1)
            for name, prop in (schema.get("properties") or {}).items()
        }
    if kind == "array":
        item = example_of(schema.get("items") or {}, root, _depth + 1)
        return [item] * max(1, int(schema.get("minItems", 1)))
    if kind == "integer":
        return int(_number(schema, 1))
    if kind == "number":
        return float(_number(schema, 1))
    if kind == "boolean":
        return False
    if kind == "null":
        return None
    if kind == "string" or (kind is None and schema):
        return _string(schema)
    return None


def _named_example(name: str, schema: dict[str, Any], root: dict[str, Any], depth: int) -> Any:
    # Places are division codes: an example says so rather than showing a word.
    plain = schema.get("type") == "string" and not ({"format", "enum", "pattern", "examples", "const"} & set(schema))
    if plain and name.endswith("division_code"):
        return "522631000000"[: int(schema.get("maxLength", 12))]
    if plain and name == "jurisdiction":
        return "522631"
    return example_of(schema, root, depth)


def resolve(ref: str, root: dict[str, Any]) -> dict[str, Any]:
    node: Any = root
    for part in ref.removeprefix("#/").split("/"):
        node = node.get(part, {}) if isinstance(node, dict) else {}
    return node if isinstance(node, dict) else {}


def _number(schema: dict[str, Any], fallback: float) -> float:
    if "minimum" in schema:
        return float(schema["minimum"])
    if "exclusiveMinimum" in schema:
        return float(schema["exclusiveMinimum"]) + 1
    if "maximum" in schema and schema["maximum"] < fallback:
        return float(schema["maximum"])
    return fallback


def _string(schema: dict[str, Any]) -> str:
    fmt = schema.get("format")
    if fmt in _FORMATS:
        return _FORMATS[fmt]
    pattern = schema.get("pattern")
    value = "示例"
    if pattern:
        value = next((c for c in _PATTERN_CANDIDATES if re.search(pattern, c)), value)
    minimum = int(schema.get("minLength", 0))
    if len(value) < minimum:
        value = value + "例" * (minimum - len(value))
    maximum = schema.get("maxLength")
    if maximum is not None:
        value = value[: int(maximum)]
    return value

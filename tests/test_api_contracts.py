"""Each service's OpenAPI document is published in contracts/openapi/ and kept current, so a system
calling Kite can diff it between releases; every JSON request and response has an example and every
route documents the problems it answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from kite_common.contracts import openapi_document
from kite_common.discovery import installed_services

OPENAPI = Path(__file__).resolve().parents[1] / "contracts" / "openapi"
SERVICES = sorted(installed_services())


@pytest.mark.parametrize("name", SERVICES)
def test_published_openapi_document_is_current(name):
    path = OPENAPI / f"{name}.json"
    assert path.exists(), "run `make schemas` and commit contracts/openapi/"
    current = json.loads(json.dumps(openapi_document(installed_services()[name])))
    assert json.loads(path.read_text("utf-8")) == current, "run `make schemas` and commit contracts/"


@pytest.mark.parametrize("name", SERVICES)
def test_every_json_body_has_an_example_and_routes_document_problems(name):
    document = json.loads((OPENAPI / f"{name}.json").read_text("utf-8"))
    missing = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            bodies = {"request": operation.get("requestBody", {}), **operation["responses"]}
            for status, body in bodies.items():
                for media_type, content in (body.get("content") or {}).items():
                    if "json" in media_type and "example" not in content:
                        missing.append(f"{method.upper()} {path} {status} {media_type}")
            for status, response in operation["responses"].items():
                if status.startswith("4"):
                    assert "application/problem+json" in response["content"], f"{method} {path} {status}"
    assert missing == []

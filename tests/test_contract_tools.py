"""The published contracts are accepted by the tools other systems use: the official AsyncAPI parser
(node, pinned in contracts/check/package-lock.json) reads contracts/asyncapi.json with no error, and
every message's example is an event the service itself accepts."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from kite_common.discovery import installed_services

ROOT = Path(__file__).resolve().parents[1]
CHECK = ROOT / "contracts" / "check"
ASYNCAPI = json.loads((ROOT / "contracts" / "asyncapi.json").read_text("utf-8"))


def _npm_installed() -> None:
    """`npm ci` from the lock file when node_modules is missing or older than the lock."""
    marker = CHECK / "node_modules" / ".package-lock.json"
    lock = CHECK / "package-lock.json"
    if marker.exists() and marker.stat().st_mtime >= lock.stat().st_mtime:
        return
    npm = shutil.which("npm")
    assert npm, "npm (node 20) is needed to check the AsyncAPI document"
    subprocess.run([npm, "ci", "--ignore-scripts", "--no-audit", "--no-fund"], cwd=CHECK, check=True, timeout=600)


def test_the_official_asyncapi_parser_accepts_the_document_without_errors():
    _npm_installed()
    node = shutil.which("node")
    assert node, "node is needed to check the AsyncAPI document"
    run = subprocess.run(
        [node, "check-asyncapi.mjs", str(ROOT / "contracts" / "asyncapi.json")],
        cwd=CHECK,
        capture_output=True,
        text=True,
        timeout=300,
    )
    report = json.loads(run.stdout)
    errors = [d for d in report["diagnostics"] if d["severity"] == 0]
    assert (run.returncode, report["parsed"], errors) == (0, True, [])


def test_the_parser_check_fails_on_a_dangling_reference(tmp_path):
    """The check itself can fail: a document pointing at a schema it lacks is refused."""
    _npm_installed()
    broken = json.loads(json.dumps(ASYNCAPI))
    first = next(iter(broken["components"]["messages"].values()))
    first["payload"] = {"$ref": "#/$defs/Nowhere"}
    path = tmp_path / "broken.json"
    path.write_text(json.dumps(broken), "utf-8")
    run = subprocess.run(
        ["node", "check-asyncapi.mjs", str(path)], cwd=CHECK, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 1
    assert any(d["code"] == "invalid-ref" for d in json.loads(run.stdout)["diagnostics"])


MESSAGES = sorted(ASYNCAPI["components"]["messages"].items())


@pytest.mark.parametrize(("key", "message"), MESSAGES, ids=[k for k, _ in MESSAGES])
def test_every_message_has_an_example_its_service_accepts(key, message):
    services = {s.registry.source: s for s in installed_services().values()}
    (example,) = message["examples"]
    headers = example["headers"]
    registry = services[headers["ce_source"]].registry
    assert headers["ce_type"] == message["name"]
    registry.parse(message["name"], example["payload"])  # raises when the example is not a valid event
    assert set(message["headers"]["required"]) <= set(headers)
    assert message["bindings"]["kafka"]["key"]["type"] == "string"


def test_no_schema_in_the_document_points_at_defs():
    assert "#/$defs/" not in json.dumps(ASYNCAPI)
